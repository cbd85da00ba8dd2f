import Foundation

/// The OpenAPI 3.1 description of the gateway's HTTP API: `openapi.yaml`, a resource of this target, served at
/// `/openapi.yaml`. Tests parse it and compare it with the routes the gateway registers and with the README.
enum OpenAPIDocument {
    /// The document's text; empty only if the bundle lost its resource, which the tests would catch.
    static let yaml: String = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml"), let text = try? String(contentsOf: url, encoding: .utf8)
        else { return "" }
        return text
    }()
}
