public import Contracts
public import Foundation
public import Logging
public import Persistence
public import PostgresNIO
public import ServiceRuntime

/// One service on a PostgreSQL schema of its own, driven the way its servers drive it: RPC requests through its
/// ``RPCRouter``, events through its ``EventHandlerRegistry`` inside the consumer's transaction, and what it
/// published read back from its outbox.
public struct RPCHarness: Sendable {
    /// The service's client; its `search_path` is the test's schema.
    public let client: PostgresClient
    /// The router the service's RPC server uses.
    public let router: RPCRouter
    /// The handlers the service's event consumer uses.
    public let events: EventHandlerRegistry
    /// The consumer name recorded in the inbox (the service name).
    public let consumer: String
    public let logger: Logger

    /// Wraps a running service.
    public init(client: PostgresClient, router: RPCRouter, events: EventHandlerRegistry, consumer: String, logger: Logger) {
        self.client = client
        self.router = router
        self.events = events
        self.consumer = consumer
        self.logger = logger
    }

    /// Runs `body` with a harness for a service on a fresh, migrated schema that is dropped afterwards.
    /// - Parameters:
    ///   - consumer: the service name, recorded in the inbox.
    ///   - migrationsDirectory: the service's bundled `Migrations` folder.
    ///   - router: builds the service's router on the schema's client.
    ///   - events: builds the service's event handlers.
    public static func with<T: Sendable>(
        _ consumer: String,
        migrationsDirectory: URL?,
        router: @Sendable (PostgresClient, Logger) -> RPCRouter,
        events: @Sendable (Logger) -> EventHandlerRegistry = { _ in EventHandlerRegistry() },
        _ body: @Sendable (RPCHarness) async throws -> T
    ) async throws -> T {
        guard let migrationsDirectory else { throw HarnessFailure("\(consumer) ships no migrations") }
        let migrations = try Migrator.load(bundleDirectory: migrationsDirectory)
        let logger = Logger(label: "test.\(consumer)")
        return try await TestSchema.with(migrations: migrations) { client, _ in
            let harness = RPCHarness(
                client: client,
                router: router(client, logger),
                events: events(logger),
                consumer: consumer,
                logger: logger
            )
            return try await body(harness)
        }
    }

    /// Runs `body` with a harness for `service` on a fresh, migrated schema that is dropped afterwards.
    public static func with<Service: ServiceUnderTest, T: Sendable>(
        _ service: Service.Type,
        _ body: @Sendable (RPCHarness) async throws -> T
    ) async throws -> T {
        try await with(
            Service.name,
            migrationsDirectory: Service.migrationsDirectory,
            router: { Service.rpcRouter(postgres: $0, logger: $1) },
            events: { Service.eventHandlers(logger: $0) },
            body
        )
    }

    // MARK: Requests

    /// Runs a request through the router.
    public func handle(_ request: RPCRequest) async -> RPCResponse {
        await router.handle(request, logger: logger)
    }

    /// Calls an operation as `identity` (`nil`: without identity headers), the way the gateway sends it: identity
    /// headers, the `{id}` path parameter, the raw query string and the client's `Idempotency-Key`.
    public func call(
        _ operation: String,
        as identity: CallerIdentity?,
        _ json: String = "",
        id: String? = nil,
        query: String? = nil,
        key: String? = nil,
        deadline: Date? = nil
    ) async -> RPCResponse {
        var headers = identity?.headers ?? [:]
        if let deadline { headers[RPC.Header.deadline] = String(Int64((deadline.timeIntervalSince1970 * 1000).rounded(.down))) }
        if let id { headers[RPC.Header.pathID] = id }
        if let query { headers[RPC.Header.query] = query }
        if let key { headers[RPC.Header.idempotencyKey] = key }
        return await handle(RPCRequest(operation: operation, body: Array(json.utf8), identity: identity, headers: headers))
    }

    /// Calls an operation as a user of the ``Org`` fixture.
    public func call(
        _ operation: String,
        as user: String,
        _ json: String = "",
        id: String? = nil,
        query: String? = nil,
        key: String? = nil,
        deadline: Date? = nil
    )
        async -> RPCResponse
    { await call(operation, as: Org.identity(user), json, id: id, query: query, key: key, deadline: deadline) }

    // MARK: Events

    /// Delivers an event as the consumer does: in one transaction that claims its id in the inbox and, the first
    /// time, runs the registered handler. A redelivery (same id) changes nothing.
    public func deliver(_ envelope: EventEnvelope) async throws {
        let handler = try handler(for: envelope)
        let (consumer, logger) = (self.consumer, self.logger)
        try await client.withTransaction(logger: logger) { connection in
            guard try await Inbox.claim(messageID: envelope.id, type: envelope.type, consumer: consumer, on: connection, logger: logger)
            else { return }
            try await handler(envelope, connection, logger)
        }
    }

    /// Delivers a new event (a fresh id) and returns its envelope.
    @discardableResult
    public func deliver(_ event: some DomainEvent, source: String? = nil, subject: String, sequence: Int64) async throws -> EventEnvelope {
        let envelope = try EventEnvelope(event, source: source ?? type(of: event).source, subject: subject, sequence: sequence)
        try await deliver(envelope)
        return envelope
    }

    /// Runs the registered handler in a transaction without the inbox, as a replay into a fresh consumer would: only
    /// the handler itself can tell the event was applied before.
    public func replay(_ envelope: EventEnvelope) async throws {
        let handler = try handler(for: envelope)
        let logger = self.logger
        try await client.withTransaction(logger: logger) { connection in
            try await handler(envelope, connection, logger)
        }
    }

    private func handler(for envelope: EventEnvelope) throws -> EventHandlerRegistry.Handler {
        guard let handler = events.handler(for: envelope.type) else {
            throw HarnessFailure("\(consumer) registers no handler for \(envelope.type)")
        }
        return handler
    }

    // MARK: Outbox

    /// Every event in the outbox, in the order it was appended.
    public func outbox() async throws -> [EventEnvelope] {
        try await envelopes(client.query("SELECT envelope::text FROM outbox ORDER BY position", logger: logger))
    }

    /// The outbox envelopes of one event type, in the order they were appended.
    public func outbox(type: String) async throws -> [EventEnvelope] {
        try await envelopes(client.query("SELECT envelope::text FROM outbox WHERE type = \(type) ORDER BY position", logger: logger))
    }

    /// The outbox payloads of one event type, decoded, in the order they were appended.
    public func outbox<Event: DomainEvent>(_ event: Event.Type) async throws -> [Event] {
        try await outbox(type: Event.eventType).map { try $0.decodeData(as: Event.self) }
    }

    private func envelopes(_ rows: PostgresRowSequence) async throws -> [EventEnvelope] {
        var envelopes: [EventEnvelope] = []
        for try await json in rows.decode(String.self) { envelopes.append(try EventEnvelope.decode(from: Array(json.utf8))) }
        return envelopes
    }

    // MARK: Tables

    /// The number of rows in a table of the schema.
    public func count(_ table: String) async throws -> Int {
        let rows = try await client.query("SELECT count(*)::bigint FROM \(unescaped: table)", logger: logger)
        for try await count in rows.decode(Int64.self) { return Int(count) }
        return 0
    }
}

extension RPCResponse {
    /// The body decoded as a response type, as a client decodes it.
    public func decode<T: Decodable>(_ type: T.Type = T.self) throws -> T {
        do {
            return try JSONCoding.decoder.decode(T.self, from: Data(body))
        } catch {
            throw HarnessFailure("\(status) \(text) does not decode as \(T.self): \(error)")
        }
    }

    /// The body as untyped JSON.
    public func json() throws -> JSONValue { try decode(JSONValue.self) }

    /// The body as a problem document.
    public func problem() throws -> Problem { try decode(Problem.self) }

    /// The body as text, for failure messages.
    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// What a service's namespace (`CustomersService`, …) offers its servers, as a test target declares it once:
/// `extension CustomersService: ServiceUnderTest {}` (with `public import TestSupport`).
public protocol ServiceUnderTest {
    /// The service name, recorded in the inbox.
    static var name: String { get }
    /// The bundled `Migrations` folder.
    static var migrationsDirectory: URL? { get }
    /// The router of its RPC server.
    static func rpcRouter(postgres: PostgresClient, logger: Logger) -> RPCRouter
    /// The handlers of its event consumer.
    static func eventHandlers(logger: Logger) -> EventHandlerRegistry
}

/// A page of a list answer as a client decodes it.
public struct ListPage<Item: Decodable & Sendable>: Decodable, Sendable {
    public var items: [Item]
    public var nextCursor: String?
}

/// The harness could not do what the test asked (no such handler, an undecodable body).
public struct HarnessFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
