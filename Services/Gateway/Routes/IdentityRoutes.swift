import Contracts
import HTTPTypes
import Hummingbird
import Logging
import PostgresNIO
import ServiceRuntime

/// The operations the gateway answers itself: `/api/v1/auth/*`, `/api/v1/me`, and the admin API `/api/v1/users`,
/// `/api/v1/regions` and `/api/v1/audit`. Each route reads the HTTP request and writes the response; the handlers in `Operations/`
/// do the work.
///
/// Unlike the forwarded routes these are not one table: each handler takes its own typed input.
struct IdentityRoutes: Sendable {
    let login: LoginHandler
    let refresh: RefreshHandler
    let logout: LogoutHandler
    let me: MeHandler
    let createUser: CreateUserHandler
    let listUsers: ListUsersHandler
    let getUser: GetUserHandler
    let updateUser: UpdateUserHandler
    let deactivateUser: DeactivateUserHandler
    let reactivateUser: ReactivateUserHandler
    let unlockUser: UnlockUserHandler
    let createRegion: CreateRegionHandler
    let listRegions: ListRegionsHandler
    let listAudit: ListAuditHandler
    let cookies: CookieSession
    /// `nil` when WeCom sign-in is not configured.
    let wecom: WeComSignIn?

    init(
        postgres: PostgresClient,
        store: IdentityStore,
        tokens: TokenService,
        hasher: PasswordHasher,
        lockout: LockoutPolicy,
        cookies: CookieSession,
        wecom: WeComSignIn?,
        logger: Logger
    ) {
        self.cookies = cookies
        self.wecom = wecom
        login = LoginHandler(postgres: postgres, store: store, tokens: tokens, hasher: hasher, lockout: lockout, logger: logger)
        refresh = RefreshHandler(postgres: postgres, store: store, tokens: tokens, logger: logger)
        logout = LogoutHandler(postgres: postgres, store: store)
        me = MeHandler(postgres: postgres, store: store)
        createUser = CreateUserHandler(postgres: postgres, store: store, hasher: hasher, logger: logger)
        listUsers = ListUsersHandler(postgres: postgres, store: store)
        getUser = GetUserHandler(postgres: postgres, store: store)
        updateUser = UpdateUserHandler(postgres: postgres, store: store, hasher: hasher, logger: logger)
        deactivateUser = DeactivateUserHandler(postgres: postgres, store: store, logger: logger)
        reactivateUser = ReactivateUserHandler(postgres: postgres, store: store, logger: logger)
        unlockUser = UnlockUserHandler(postgres: postgres, store: store, logger: logger)
        createRegion = CreateRegionHandler(postgres: postgres, store: store, logger: logger)
        listRegions = ListRegionsHandler(postgres: postgres, store: store)
        listAudit = ListAuditHandler(postgres: postgres, store: store)
    }

    /// Routes that work without a token.
    func addPublic(to group: RouterGroup<GatewayRequestContext>) {
        group.post("auth/login") { request, context in
            let credentials = try await JSONBodies.decode(LoginHandler.Credentials.self, from: request)
            switch try await login(credentials, address: context.clientAddress, traceparent: request.headers[.traceparent]) {
            case .session(let session) where credentials.session == .cookie:
                return try cookies.response(for: session)
            case .session(let session):
                return try JSONBodies.response(session)
            case .locked(let seconds):
                var response = ProblemResponse.make(
                    Problem(
                        type: "https://salesdesk.example/problems/locked",
                        title: "Too many failed logins",
                        status: 429,
                        detail: "Too many failed logins for this account or address; try again in \(seconds / 60 + 1) minutes."
                    )
                )
                response.headers[.retryAfter] = String(seconds)
                return response
            }
        }
        group.get("auth/methods") { _, _ in
            try JSONBodies.response(["password": true, "wecom": wecom != nil])
        }
        group.get("auth/wecom") { _, _ in
            guard let wecom else { throw Problem.notFound("Sign-in with WeCom is not configured here.") }
            let state = TokenService.makeRefreshToken()
            return Response(
                status: .found,
                headers: [
                    .location: wecom.authorizationURL(state: state),
                    // Lax, not Strict: it must come back on WeCom's redirect, a navigation from another site.
                    .setCookie: "\(WeComSignIn.stateCookie)=\(state); Path=\(WeComSignIn.callbackPath); Max-Age=600; SameSite=Lax; HttpOnly",
                ]
            )
        }
        group.get("auth/wecom/callback") { request, _ in
            guard let wecom else { throw Problem.notFound("Sign-in with WeCom is not configured here.") }
            let query = request.uri.queryParameters
            guard let state = query["state"].map(String.init), let code = query["code"].map(String.init), !code.isEmpty,
                let expected = CookieSession.value(of: WeComSignIn.stateCookie, in: request), state == expected
            else { return Self.backToSignIn(error: "wecom-state") }
            guard let wecomUserID = try await wecom.userID(forCode: code),
                let user = try await login.postgres.withConnection({ try await login.store.users.find(wecomUserID: wecomUserID, on: $0) }),
                user.active
            else { return Self.backToSignIn(error: "wecom-unknown") }
            let session = try await login.openSession(for: user, traceparent: request.headers[.traceparent])
            var response = try cookies.response(for: session)
            response.status = .found
            response.headers[.location] = "/"
            response.headers.append(
                HTTPField(name: .setCookie, value: "\(WeComSignIn.stateCookie)=; Path=\(WeComSignIn.callbackPath); Max-Age=0; HttpOnly")
            )
            return response
        }
        group.post("auth/refresh") { request, _ in
            let body = try await JSONBodies.decode(RefreshHandler.Body.self, from: request)
            switch body.session ?? .bearer {
            case .bearer:
                guard let token = body.refreshToken else {
                    throw Problem.validation([.init(field: "refreshToken", message: "is required (or send \"session\": \"cookie\")")])
                }
                return try JSONBodies.response(try await refresh(refreshToken: token))
            case .cookie:
                try CookieSession.requireCSRFToken(request)
                guard let token = CookieSession.value(of: CookieSession.refreshCookie, in: request) else {
                    throw Problem.unauthorized("No session cookie; log in again.")
                }
                return try cookies.response(for: try await refresh(refreshToken: token))
            }
        }
    }

    /// Routes behind ``AuthMiddleware``; `users` and `regions` are for admins only.
    func addAuthenticated(to group: RouterGroup<GatewayRequestContext>) {
        group.post("auth/logout") { request, context in
            let caller = try context.requireIdentity()
            let bytes = try await JSONBodies.bytes(of: request)
            let body = bytes.isEmpty ? LogoutHandler.Body(refreshToken: nil) : try JSONBody.decode(LogoutHandler.Body.self, from: bytes)
            guard request.headers[.authorization] == nil else {
                try await logout(refreshToken: body.refreshToken, caller: caller)
                return Response(status: .noContent)
            }
            // Signed in by cookie: end the browser's own session and delete its cookies.
            let token = body.refreshToken ?? CookieSession.value(of: CookieSession.refreshCookie, in: request)
            try await logout(refreshToken: token, caller: caller)
            return Response(status: .noContent, headers: HTTPFields(cookies.clearingCookies()))
        }
        group.get("me") { _, context in
            try JSONBodies.response(try await me(caller: try context.requireIdentity()))
        }

        group.post("users") { request, context in
            let admin = try context.requireAdmin()
            let body = try await JSONBodies.bytes(of: request)
            let input = try JSONBody.decode(NewUser.self, from: body)
            return JSONBodies.response(try await createUser(input, WriteRequest(admin, body: body, of: request)))
        }
        group.get("users") { request, context in
            _ = try context.requireAdmin()
            let query = request.uri.queryParameters
            return try JSONBodies.response(try await listUsers(limit: query["limit"].map(String.init), cursor: query["cursor"].map(String.init)))
        }
        group.get("users/:id") { _, context in
            _ = try context.requireAdmin()
            return try JSONBodies.response(try await getUser(id: try Self.userID(context)))
        }
        group.patch("users/:id") { request, context in
            let admin = try context.requireAdmin()
            let id = try Self.userID(context)
            let body = try await JSONBodies.bytes(of: request)
            let patch = try JSONBody.decode(UserPatch.self, from: body)
            return JSONBodies.response(try await updateUser(id: id, patch, WriteRequest(admin, body: body, of: request)))
        }
        group.post("users/:id/deactivate") { request, context in
            let admin = try context.requireAdmin()
            let id = try Self.userID(context)
            return JSONBodies.response(try await deactivateUser(id: id, WriteRequest(admin, body: [], of: request)))
        }
        group.post("users/:id/reactivate") { request, context in
            let admin = try context.requireAdmin()
            let id = try Self.userID(context)
            return JSONBodies.response(try await reactivateUser(id: id, WriteRequest(admin, body: [], of: request)))
        }
        group.post("users/:id/unlock") { request, context in
            let admin = try context.requireAdmin()
            let id = try Self.userID(context)
            return JSONBodies.response(try await unlockUser(id: id, WriteRequest(admin, body: [], of: request)))
        }
        group.post("regions") { request, context in
            let admin = try context.requireAdmin()
            let body = try await JSONBodies.bytes(of: request)
            let input = try JSONBody.decode(NewRegion.self, from: body)
            return JSONBodies.response(try await createRegion(input, WriteRequest(admin, body: body, of: request)))
        }
        group.get("regions") { _, context in
            _ = try context.requireAdmin()
            return try JSONBodies.response(try await listRegions())
        }
        group.get("audit") { request, context in
            _ = try context.requireAdmin()
            let query = request.uri.queryParameters
            let input = ListAuditHandler.Query(
                limit: query["limit"].map(String.init),
                cursor: query["cursor"].map(String.init),
                actor: query["actor"].map(String.init),
                action: query["action"].map(String.init),
                from: query["from"].map(String.init),
                to: query["to"].map(String.init)
            )
            return try JSONBodies.response(try await listAudit(input))
        }
    }

    /// Sends the browser back to the app's sign-in screen, which explains `error`.
    private static func backToSignIn(error: String) -> Response {
        Response(status: .found, headers: [.location: "/#/signin?error=\(error)"])
    }

    /// The `{id}` of a user route; text that is not an id names no user.
    private static func userID(_ context: GatewayRequestContext) throws(Problem) -> RecordID {
        guard let text = context.parameters.get("id"), let id = RecordID(text) else {
            throw Problem.notFound("No such user.")
        }
        return id
    }
}

extension WriteRequest {
    /// A write by `caller` with `body`, taking the `Idempotency-Key` and trace context from the HTTP request.
    fileprivate init(_ caller: CallerIdentity, body: [UInt8], of request: Request) {
        self.init(
            caller: caller,
            body: body,
            idempotencyKey: request.headers[.idempotencyKey],
            traceparent: request.headers[.traceparent]
        )
    }
}
