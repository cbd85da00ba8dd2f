import AMQP
import Contracts
import Foundation
import Logging
import ServiceRuntime

/// Asks the owner of customers (the `customers` service) for one that the replica does not know yet, so that a caller
/// who has just created a customer can use it before `customer.created` reaches deals.
protocol CustomerLookup: Sendable {
    /// The customer as its owner has it now, with its version (the sequence of its events).
    /// - Parameters:
    ///   - id: the customer the request names.
    ///   - caller: whose scope the owner applies.
    ///   - traceparent: the request's trace context.
    /// - Returns: the customer, or `nil` when it does not exist or is not in the caller's scope.
    /// - Throws: a 503 or 504 ``Contracts/Problem`` when the owner cannot answer.
    func customer(id: String, as caller: CallerIdentity, traceparent: String?) async throws -> CustomerSnapshot?
}

/// A lookup that knows no customer: deals answers from its replica alone, as it did before it asked the owner (tests
/// that feed the replica with events).
struct ReplicaOnlyLookup: CustomerLookup {
    func customer(id: String, as caller: CallerIdentity, traceparent: String?) async throws -> CustomerSnapshot? { nil }
}

/// ``CustomerLookup`` over AMQP RPC: `customers.get` with the caller's identity headers, so the customers service
/// answers only what the caller may see.
struct RPCCustomerLookup: CustomerLookup {
    let client: AMQPRPCClient
    let timeout: Duration
    /// Signs the caller's identity as the gateway does, since the customers service refuses an unsigned one.
    let identityKey: RPCIdentityKey
    let logger: Logger
    var exchange = RPC.exchange
    var routingKey = RPC.queue(for: Operation.Customers.service)

    /// What `customers.get` answers, as far as the replica needs it.
    private struct Reply: Decodable {
        var id: String
        var name: String
        var region: String
        var industry: String
        var ownerID: String?
        var version: Int64
        var archived: Bool?

        enum CodingKeys: String, CodingKey {
            case id, name, region, industry, version, archived
            case ownerID = "ownerId"
        }
    }

    func customer(id: String, as caller: CallerIdentity, traceparent: String?) async throws -> CustomerSnapshot? {
        var headers = caller.headers
        headers[RPC.Header.pathID] = id
        if let traceparent { headers[RPC.Header.traceparent] = traceparent }
        let (seconds, attoseconds) = timeout.components
        let deadline = Date().addingTimeInterval(Double(seconds) + Double(attoseconds) / 1e18)
        headers[RPC.Header.deadline] = String(Int64((deadline.timeIntervalSince1970 * 1000).rounded(.down)))
        SignedIdentity.sign(&headers, operation: Operation.Customers.get, expires: deadline.addingTimeInterval(10), key: identityKey)
        let request = AMQPMessage(body: [], contentType: "application/json", type: Operation.Customers.get, headers: headers, persistent: false)
        let response: RPCResponse
        do {
            response = RPCResponse(reply: try await client.tracedCall(request, exchange: exchange, routingKey: routingKey, timeout: timeout))
        } catch AMQPError.timeout {
            logger.warning("customers.get timed out", metadata: ["customer": "\(id)"])
            throw Problem.timeout("The customers service did not answer in time; retry shortly.")
        } catch let error as AMQPError {
            logger.warning("customers.get failed", metadata: ["customer": "\(id)", "error": "\(error)"])
            throw Problem.unavailable("The customers service is unreachable right now; retry shortly.")
        }
        switch response.status {
        case 200:
            let reply = try JSONCoding.decoder.decode(Reply.self, from: Data(response.body))
            return CustomerSnapshot(
                id: reply.id,
                name: reply.name,
                region: reply.region,
                industry: reply.industry,
                ownerID: reply.ownerID,
                contacts: [],
                version: reply.version,
                archived: reply.archived ?? false
            )
        case 404:
            return nil
        default:
            logger.warning("customers.get answered \(response.status)", metadata: ["customer": "\(id)"])
            throw Problem.unavailable("The customers service could not answer (\(response.status)); retry shortly.")
        }
    }
}
