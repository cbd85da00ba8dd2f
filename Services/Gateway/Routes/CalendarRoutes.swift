import Contracts
import HTTPTypes
import Hummingbird
import Logging
import PostgresNIO
import ServiceRuntime

/// The holiday calendar the gateway answers itself: `/api/v1/calendar/days` (read by anyone signed in, written by
/// admins). The calendar is admin data like users and regions; services keep a replica from its `calendar.*` events.
struct CalendarRoutes: Sendable {
    let list: ListCalendarDaysHandler
    let set: SetCalendarDayHandler
    let remove: RemoveCalendarDayHandler

    init(postgres: PostgresClient, store: IdentityStore, logger: Logger) {
        let repository = CalendarRepository(logger: logger)
        list = ListCalendarDaysHandler(postgres: postgres, repository: repository)
        set = SetCalendarDayHandler(postgres: postgres, repository: repository, audit: store.audit, logger: logger)
        remove = RemoveCalendarDayHandler(postgres: postgres, repository: repository, audit: store.audit, logger: logger)
    }

    /// Routes behind ``AuthMiddleware``.
    func addAuthenticated(to group: RouterGroup<GatewayRequestContext>) {
        group.get("calendar/days") { request, context in
            _ = try context.requireIdentity()
            return try JSONBodies.response(try await list(year: request.uri.queryParameters["year"].map(String.init)))
        }
        group.put("calendar/days/:day") { request, context in
            let admin = try Self.requireAdmin(context)
            let body = try await JSONBodies.bytes(of: request)
            let input = try JSONBody.decode(CalendarDayInput.self, from: body)
            return JSONBodies.response(try await set(day: context.parameters.get("day"), input, Self.write(admin, body: body, of: request)))
        }
        group.delete("calendar/days/:day") { request, context in
            let admin = try Self.requireAdmin(context)
            return JSONBodies.response(try await remove(day: context.parameters.get("day"), Self.write(admin, body: [], of: request)))
        }
    }

    private static func requireAdmin(_ context: GatewayRequestContext) throws(Problem) -> CallerIdentity {
        let identity = try context.requireIdentity()
        guard identity.role == .admin else { throw Problem.forbidden("Only an admin may change the holiday calendar.") }
        return identity
    }

    private static func write(_ caller: CallerIdentity, body: [UInt8], of request: Request) -> WriteRequest {
        WriteRequest(caller: caller, body: body, idempotencyKey: request.headers[.idempotencyKey], traceparent: request.headers[.traceparent])
    }
}
