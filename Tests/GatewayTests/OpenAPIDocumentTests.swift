import Hummingbird
import Logging
import Persistence
import PostgresNIO
import Testing

@testable import Gateway

@Suite("OpenAPI document")
struct OpenAPIDocumentTests {
    /// `METHOD /path` for every operation under `paths:` (path lines are indented 2 spaces, methods 4).
    static func documentedOperations(_ yaml: String) -> Set<String> {
        var operations: Set<String> = []
        var inPaths = false
        var path: String?
        let methods: Set = ["get", "post", "put", "patch", "delete", "head", "options"]
        for line in yaml.split(separator: "\n", omittingEmptySubsequences: false) {
            if !line.hasPrefix(" ") {
                inPaths = line == "paths:"
                continue
            }
            guard inPaths else { continue }
            if line.hasPrefix("  /"), !line.hasPrefix("   ") {
                path = String(line.dropFirst(2).dropLast())
            } else if line.hasPrefix("    "), !line.hasPrefix("     "), let path {
                let key = line.dropFirst(4).prefix { $0 != ":" }
                if methods.contains(String(key)) { operations.insert("\(key.uppercased()) \(path)") }
            }
        }
        return operations
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
        let served = Set(router.routes.map { "\($0.method.rawValue) \($0.path)" })
        let documented = Self.documentedOperations(OpenAPIDocument.yaml)
        #expect(documented.count > 10)
        #expect(served.subtracting(documented).sorted() == [], "served but not documented")
        #expect(documented.subtracting(served).sorted() == [], "documented but not served")
    }

    @Test("the parser finds paths and methods, so a missing route would be noticed")
    func parserSeesOperations() {
        let operations = Self.documentedOperations(OpenAPIDocument.yaml)
        #expect(operations.contains("POST /api/v1/auth/login"))
        #expect(operations.contains("PATCH /api/v1/users/{id}"))
        #expect(operations.contains("POST /api/v1/customers/transfer"))
        #expect(operations.contains("GET /api/v1/customers/{id}/history"))
        #expect(operations.contains("POST /api/v1/deals/{id}/quotes"))
        #expect(operations.contains("POST /api/v1/contracts/{id}/submit"))
        #expect(operations.contains("POST /api/v1/approvals/{id}/reject"))
        #expect(operations.contains("PUT /api/v1/approval-policies"))
        #expect(operations.contains("GET /api/v1/reports/approval-times"))
        #expect(OpenAPIDocument.yaml.contains("bearerAuth"))
    }

    @Test("every operation behind the token documents its 401, and every /api/v1 write takes an Idempotency-Key")
    func operationsDocumentAuthAndIdempotency() {
        // An operation's text runs from its method line (indented 4) to the next line indented 4 or less.
        var operations: [(method: String, path: String, text: [Substring])] = []
        var inPaths = false
        var path = ""
        var current: (method: String, path: String, text: [Substring])?
        for line in OpenAPIDocument.yaml.split(separator: "\n", omittingEmptySubsequences: false) {
            let indent = line.prefix { $0 == " " }.count
            if indent <= 4, let finished = current {
                operations.append(finished)
                current = nil
            }
            if indent == 0 { inPaths = line == "paths:" }
            guard inPaths else { continue }
            if indent == 2 {
                path = String(line.dropFirst(2).dropLast())
            } else if indent == 4, let method = line.dropFirst(4).split(separator: ":").first, method != "parameters" {
                current = (String(method), path, [])
            } else if indent > 4 {
                current?.text.append(line)
            }
        }
        #expect(operations.count == Self.documentedOperations(OpenAPIDocument.yaml).count)
        for operation in operations {
            let text = operation.text.joined(separator: "\n")
            let name = "\(operation.method.uppercased()) \(operation.path)"
            if !text.contains("security: []") {
                #expect(text.contains("'401'"), "\(name) does not document its 401")
            }
            if operation.method != "get", operation.path.hasPrefix("/api/v1/"), !operation.path.hasPrefix("/api/v1/auth/") {
                #expect(text.contains("parameters/IdempotencyKey"), "\(name) does not take an Idempotency-Key")
            }
        }
    }
}
