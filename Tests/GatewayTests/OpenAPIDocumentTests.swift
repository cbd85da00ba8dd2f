import Testing

@testable import Gateway

@Suite("OpenAPI document")
struct OpenAPIDocumentTests {
    @Test("the document declares OpenAPI 3.1 and the customers routes")
    func declaresCustomerRoutes() {
        #expect(OpenAPIDocument.yaml.hasPrefix("openapi: 3.1.0"))
        #expect(OpenAPIDocument.yaml.contains("  /api/v1/customers/{id}:"))
    }
}
