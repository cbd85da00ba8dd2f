import Contracts
import Hummingbird
import Logging
import NIOCore
import ServiceRuntime

/// The context of every `/api/v1` request: the service context plus the caller, once ``AuthMiddleware`` has
/// checked the bearer token and loaded the user.
struct GatewayRequestContext: ChildRequestContext {
    var coreContext: CoreRequestContextStorage
    /// The socket peer, for login lockout by address.
    let remoteAddress: SocketAddress?
    /// The authenticated caller; `nil` on the public routes (login, refresh).
    var identity: CallerIdentity?
    /// The client behind a trusted proxy (``TrustedProxies``, set by ``ForwardedClientMiddleware``).
    var forwardedClient: String?

    init(context: ServiceRequestContext) {
        coreContext = context.coreContext
        remoteAddress = context.remoteAddress
    }

    /// The client address as text (`127.0.0.1`), or `nil` when unknown: the socket's peer, or the client a trusted
    /// proxy forwarded the request for (``TrustedProxies``).
    var clientAddress: String? {
        forwardedClient ?? remoteAddress?.ipAddress
    }

    /// The caller, or a 401 problem (for routes behind ``AuthMiddleware`` this never fails).
    func requireIdentity() throws(Problem) -> CallerIdentity {
        guard let identity else { throw Problem.unauthorized("Log in first: send Authorization: Bearer <accessToken>.") }
        return identity
    }

    /// The caller when they are an admin; a 403 problem otherwise.
    func requireAdmin() throws(Problem) -> CallerIdentity {
        let identity = try requireIdentity()
        guard identity.role == .admin else { throw Problem.forbidden("Only an admin may manage users and regions.") }
        return identity
    }
}
