import Foundation
import Hummingbird
import Logging
import Persistence
import PostgresNIO
import Testing
import Yams

@testable import Gateway

/// The API document, parsed by a real YAML parser and held against the code: the routes the gateway registers and the
/// README's endpoint table.
@Suite("OpenAPI document")
struct OpenAPIDocumentTests {
    static let methods = ["get", "post", "put", "patch", "delete"]

    /// One operation of the document.
    struct DocumentedOperation: Hashable {
        var method: String
        var path: String
        var summary: String
        var parameters: [String]
        var responses: Set<String>
        var isPublic: Bool
        var hasBody: Bool
        var isForwarded: Bool
        /// Whether it takes a query parameter (its own or its path's, inline or by reference).
        var takesQuery: Bool
    }

    static func document() throws -> [String: Any] {
        try #require(try Yams.load(yaml: OpenAPIDocument.yaml) as? [String: Any])
    }

    static func operations() throws -> [DocumentedOperation] {
        let document = try document()
        let paths = try #require(document["paths"] as? [String: Any])
        let shared = (document["components"] as? [String: Any])?["parameters"] as? [String: Any] ?? [:]
        func inQuery(_ parameter: [String: Any]) -> Bool {
            if let reference = parameter["$ref"] as? String {
                return (shared[String(reference.split(separator: "/").last ?? "")] as? [String: Any])?["in"] as? String == "query"
            }
            return parameter["in"] as? String == "query"
        }
        var operations: [DocumentedOperation] = []
        for (path, item) in paths {
            let item = try #require(item as? [String: Any], "\(path) is not a path item")
            for method in methods {
                guard let operation = item[method] as? [String: Any] else { continue }
                let parameters = (operation["parameters"] as? [[String: Any]] ?? []).compactMap { $0["$ref"] as? String ?? $0["name"] as? String }
                let all = (operation["parameters"] as? [[String: Any]] ?? []) + (item["parameters"] as? [[String: Any]] ?? [])
                let responses = try #require(operation["responses"] as? [AnyHashable: Any], "\(method) \(path) has no responses")
                operations.append(
                    DocumentedOperation(
                        method: method.uppercased(),
                        path: path,
                        summary: operation["summary"] as? String ?? "",
                        parameters: parameters,
                        responses: Set(responses.keys.map { "\($0)" }),
                        isPublic: (operation["security"] as? [Any])?.isEmpty == true,
                        hasBody: operation["requestBody"] != nil,
                        isForwarded: operation["x-rpc"] != nil,
                        takesQuery: all.contains(where: inQuery)
                    )
                )
            }
        }
        return operations.sorted {
            ($0.path, methods.firstIndex(of: $0.method.lowercased()) ?? 0) < ($1.path, methods.firstIndex(of: $1.method.lowercased()) ?? 0)
        }
    }

    @Test("the document is OpenAPI 3.1 and every $ref points at a component that exists")
    func referencesResolve() throws {
        let document = try Self.document()
        #expect(document["openapi"] as? String == "3.1.0")
        let components = try #require(document["components"] as? [String: [String: Any]])
        var references: Set<String> = []
        func collect(_ value: Any) {
            if let object = value as? [String: Any] {
                if let reference = object["$ref"] as? String { references.insert(reference) }
                object.values.forEach(collect)
            } else if let array = value as? [Any] {
                array.forEach(collect)
            }
        }
        collect(document)
        #expect(references.count > 20)
        for reference in references.sorted() {
            let parts = reference.split(separator: "/").map(String.init)
            #expect(parts.count == 4 && parts[0] == "#" && parts[1] == "components", "\(reference) is not a component reference")
            guard parts.count == 4 else { continue }
            #expect(components[parts[2]]?[parts[3]] != nil, "\(reference) points at nothing")
        }
    }

    @Test("every route the gateway serves is in the document, and every documented route is served")
    func documentMatchesRoutes() throws {
        let logger = Logger(label: "test.openapi")
        // Never run: building routes only needs the client's configuration.
        let postgres = PostgresClient(
            configuration: .init(host: "127.0.0.1", username: "x", password: nil, database: nil, tls: .disable),
            backgroundLogger: logger
        )
        let router = try GatewayHarness(postgres: postgres).router()
        // `GET /**` is the web app's files (WebApp), which the document describes once, as `GET /`; HEAD is GET's.
        let served = Set(router.routes.map { "\($0.method.rawValue) \($0.path)" }).subtracting(["GET /**", "HEAD /", "HEAD /**"])
        let documented = Set(try Self.operations().map { "\($0.method) \($0.path)" })
        #expect(documented.count > 40)
        #expect(served.subtracting(documented).sorted() == [], "served but not documented")
        #expect(documented.subtracting(served).sorted() == [], "documented but not served")
    }

    @Test(
        "every operation behind the token documents its 401, every /api/v1 write takes an Idempotency-Key, and every status the runtime can answer is documented"
    )
    func operationsDocumentAuthAndIdempotency() throws {
        for operation in try Self.operations() {
            let name = "\(operation.method) \(operation.path)"
            if !operation.isPublic {
                #expect(operation.responses.contains("401"), "\(name) does not document its 401")
            }
            if operation.method != "GET", operation.path.hasPrefix("/api/v1/"), !operation.path.hasPrefix("/api/v1/auth/") {
                #expect(operation.parameters.contains("#/components/parameters/IdempotencyKey"), "\(name) does not take an Idempotency-Key")
            }
            // What the gateway and the runtime answer before any handler runs: a malformed Idempotency-Key (400); a
            // body that is malformed, too large, not JSON or not UTF-8 text (400, 413, 415, 422); a NUL in the query of
            // a forwarded call (422); a query string too long (414).
            var answered: Set<String> = []
            if operation.parameters.contains("#/components/parameters/IdempotencyKey") { answered.insert("400") }
            if operation.hasBody { answered.formUnion(["400", "413", "415", "422"]) }
            if operation.isForwarded { answered.insert("422") }
            // A query string over 8 KiB (RequestLimits) answers 414.
            if operation.takesQuery { answered.insert("414") }
            #expect(answered.subtracting(operation.responses).sorted() == [], "\(name) does not document every status it can answer")
        }
    }

    /// The README's endpoint table as the document says it should read.
    static func endpointTable() throws -> String {
        let rows = try operations().map { "| `\($0.method)` | `\($0.path)` | \($0.summary.replacingOccurrences(of: "|", with: "\\|")) |" }
        return (["| method | path | what it does |", "|---|---|---|"] + rows).joined(separator: "\n")
    }

    @Test("the README's endpoint table lists exactly the documented operations")
    func readmeMatchesDocument() throws {
        let readmeURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../README.md").standardized
        let readme = try String(contentsOf: readmeURL, encoding: .utf8)
        let begin = try #require(readme.range(of: "<!-- endpoints: generated from Services/Gateway/openapi.yaml; GatewayTests checks it -->\n"))
        let end = try #require(readme.range(of: "\n<!-- endpoints: end -->"))
        let table = String(readme[begin.upperBound..<end.lowerBound])
        let expected = try Self.endpointTable()
        #expect(table == expected, "README.md's endpoint table is out of date; replace it with:\n\(expected)")
    }
}
