import Foundation
import HTTPTypes
import HummingbirdTesting
import TestSupport
import Testing

@testable import Gateway

/// Sign-in with WeCom (OAuth2 web authorization of a self-built app) against the WeCom stand-in.
@Suite("Gateway sign-in with WeCom", .timeLimit(.minutes(3)))
struct WeComSignInTests {
    static func environment(_ standIn: String) -> [String: String] {
        [
            "WECOM_CORP_ID": WeComStandIn.corpID,
            "WECOM_AGENT_ID": "1000002",
            "WECOM_SECRET": WeComStandIn.corpSecret,
            "SALESDESK_PUBLIC_URL": "http://sales.example",
            "WECOM_API_URL": standIn,
            "WECOM_AUTHORIZE_URL": "\(standIn)/connect/oauth2/authorize",
        ]
    }

    /// Starts the sign-in; returns the state WeCom will hand back and the state cookie.
    static func start(_ client: some TestClientProtocol, standIn: String) async throws -> (state: String, cookie: String) {
        let start = try await client.execute(uri: "/api/v1/auth/wecom", method: .get) { $0 }
        #expect(start.status == .found)
        let location = try #require(start.headers[.location])
        #expect(location.hasPrefix("\(standIn)/connect/oauth2/authorize?appid=\(WeComStandIn.corpID)&"))
        #expect(location.contains("redirect_uri=http%3A%2F%2Fsales%2Eexample%2Fapi%2Fv1%2Fauth%2Fwecom%2Fcallback"))
        #expect(location.contains("scope=snsapi_base") && location.hasSuffix("#wechat_redirect"))
        let state = try #require(URLComponents(string: location)?.queryItems?.first { $0.name == "state" }?.value)
        let cookie = try #require(WebSessionTests.cookies(start.headers)[WeComSignIn.stateCookie])
        #expect(cookie.value == state && cookie.attributes.contains("HttpOnly"))
        return (state, "\(WeComSignIn.stateCookie)=\(state)")
    }

    @Test("a WeCom member whose UserId a user carries is signed in by cookie and sent to the app; others are sent back to sign-in")
    func signsInByWeCom() async throws {
        let standIn = WeComStandIn()
        try await standIn.serve { url in
            try await GatewayHarness.with(environment: Self.environment(url)) { _, client in
                let admin = try #require(try await client.login("admin", GatewayHarness.adminPassword))
                try await client.call(.post, "/api/v1/regions", token: admin.access, json: IdentityTests.regionJSON)
                let created = try await client.call(
                    .post,
                    "/api/v1/users",
                    token: admin.access,
                    json:
                        #"{"username":"wang","displayName":"王伟","password":"rep-password","role":"rep","region":"east-china","wecomUserId":"WangWei"}"#
                )
                #expect(created.status == 201)
                #expect(try await client.call(.get, "/api/v1/auth/methods").body["wecom"] as? Bool == true)

                let first = try await Self.start(client, standIn: url)
                let code = await standIn.code(for: "WangWei")
                let callback = "/api/v1/auth/wecom/callback?code=\(code)&state=\(first.state)"
                let done = try await client.execute(uri: callback, method: .get, headers: [.cookie: first.cookie]) { $0 }
                #expect(done.status == .found)
                #expect(done.headers[.location] == "/")
                let access = try #require(WebSessionTests.cookies(done.headers)["sd_access"]?.value)
                let me = try await client.call(.get, "/api/v1/me", headers: [.cookie: "sd_access=\(access)"])
                #expect(me.body["username"] as? String == "wang")

                // A used code, a state that is not the browser's own, an outsider and an unknown member go back.
                let reused = try await client.execute(uri: callback, method: .get, headers: [.cookie: first.cookie]) { $0 }
                #expect(reused.headers[.location] == "/#/signin?error=wecom-unknown")
                let second = try await Self.start(client, standIn: url)
                let forged = "/api/v1/auth/wecom/callback?code=\(await standIn.code(for: "WangWei"))&state=\(second.state)"
                let crossSite = try await client.execute(uri: forged, method: .get, headers: [.cookie: first.cookie]) { $0 }
                #expect(crossSite.headers[.location] == "/#/signin?error=wecom-state")
                #expect(WebSessionTests.cookies(crossSite.headers)["sd_access"] == nil)
                for member in [nil, "Stranger"] as [String?] {
                    let attempt = "/api/v1/auth/wecom/callback?code=\(await standIn.code(for: member))&state=\(second.state)"
                    let reply = try await client.execute(uri: attempt, method: .get, headers: [.cookie: second.cookie]) { $0 }
                    #expect(reply.headers[.location] == "/#/signin?error=wecom-unknown", "\(member ?? "an outsider")")
                }
            }
        }
    }

    @Test("without WeCom configured, the sign-in methods say so and its routes answer 404")
    func notConfigured() async throws {
        try await GatewayHarness.with { _, client in
            let methods = try await client.call(.get, "/api/v1/auth/methods")
            #expect(methods.body["wecom"] as? Bool == false)
            #expect(try await client.call(.get, "/api/v1/auth/wecom").status == 404)
            #expect(try await client.call(.get, "/api/v1/auth/wecom/callback?code=x&state=y").status == 404)
        }
    }
}
