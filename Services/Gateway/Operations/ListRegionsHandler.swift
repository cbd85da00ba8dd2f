import PostgresNIO
import ServiceRuntime

/// `GET /api/v1/regions`: every region, by code, on one page.
struct ListRegionsHandler: Sendable {
    let postgres: PostgresClient
    let store: IdentityStore

    func callAsFunction() async throws -> Page<Region> {
        let regions = try await postgres.withConnection { try await store.regions.all(on: $0) }
        return Page(items: regions, nextCursor: nil)
    }
}
