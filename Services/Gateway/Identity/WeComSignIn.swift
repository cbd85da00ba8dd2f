import AsyncHTTPClient
import Contracts
import Foundation
import NIOCore
import NIOHTTP1
import ServiceRuntime

/// Sign in with WeCom (企业微信网页授权, OAuth2 for a self-built app): a rep who opens SalesDesk from the WeCom app
/// menu is signed in without a password, as the SalesDesk user whose `wecomUserId` is their WeCom UserId.
///
/// The flow: `GET /api/v1/auth/wecom` sends the browser to WeCom's authorize page with a random `state` (also kept in
/// a short-lived HttpOnly cookie); WeCom sends it back to `GET /api/v1/auth/wecom/callback?code=…&state=…`; the
/// gateway checks the state, trades the code for the UserId (`/cgi-bin/gettoken`, then `/cgi-bin/auth/getuserinfo`),
/// opens a cookie session (``CookieSession``) and sends the browser to the app. Configured by `wecom.corp.id`,
/// `wecom.agent.id`, `wecom.secret` and `salesdesk.public.url` (the app's address, which must be the WeCom app's
/// trusted domain); `wecom.api.url` and `wecom.authorize.url` point elsewhere only for a stand-in.
struct WeComSignIn: Sendable {
    static let stateCookie = "sd_wecom_state"
    static let callbackPath = "/api/v1/auth/wecom/callback"

    struct Settings: Sendable {
        var corpID: String
        var agentID: String
        var secret: String
        var publicURL: String
        var apiURL: String
        var authorizeURL: String

        /// `nil` when WeCom sign-in is not configured (`wecom.corp.id` unset).
        init?(_ configuration: ServiceConfiguration) throws(ConfigurationError) {
            guard let corpID = configuration.optional("wecom.corp.id") else { return nil }
            self.corpID = corpID
            agentID = try configuration.required("wecom.agent.id")
            secret = try configuration.required("wecom.secret")
            publicURL = try configuration.required("salesdesk.public.url").trimmingCharacters(in: ["/"])
            apiURL = configuration.string("wecom.api.url", default: "https://qyapi.weixin.qq.com").trimmingCharacters(in: ["/"])
            authorizeURL = configuration.string("wecom.authorize.url", default: "https://open.weixin.qq.com/connect/oauth2/authorize")
        }
    }

    let settings: Settings
    let http: HTTPClient
    private let token = AccessTokenCache()

    init(settings: Settings, http: HTTPClient = .shared) {
        self.settings = settings
        self.http = http
    }

    /// Where to send the browser: WeCom's authorize page, silent (`snsapi_base`), coming back to the callback.
    func authorizationURL(state: String) -> String {
        let redirect = (settings.publicURL + Self.callbackPath).addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        return "\(settings.authorizeURL)?appid=\(settings.corpID)&redirect_uri=\(redirect)&response_type=code"
            + "&scope=snsapi_base&state=\(state)&agentid=\(settings.agentID)#wechat_redirect"
    }

    /// The WeCom UserId behind an authorization code; `nil` when WeCom refuses the code or it belongs to someone who
    /// is not a member of the company (an `openid`).
    func userID(forCode code: String) async throws -> String? {
        for attempt in 0..<2 {
            let accessToken = try await token.value(refreshing: attempt > 0) { try await fetchAccessToken() }
            let reply = try await getJSON("/cgi-bin/auth/getuserinfo", ["access_token": accessToken, "code": code])
            switch reply["errcode"]?.integerValue ?? -1 {
            case 0: return reply["userid"]?.stringValue
            // The access token ran out or was revoked before its time: fetch a new one once.
            case 40014, 42001: continue
            default: return nil
            }
        }
        return nil
    }

    private func fetchAccessToken() async throws -> (String, Date) {
        let reply = try await getJSON("/cgi-bin/gettoken", ["corpid": settings.corpID, "corpsecret": settings.secret])
        guard reply["errcode"]?.integerValue == 0, let value = reply["access_token"]?.stringValue else {
            throw Problem(title: "WeCom is unavailable", status: 503, detail: "WeCom refused the app's credentials.")
        }
        let lifetime = reply["expires_in"]?.integerValue ?? 7200
        // Renewed five minutes early, so a token is never used in its last moments.
        return (value, Date().addingTimeInterval(TimeInterval(max(60, lifetime - 300))))
    }

    private func getJSON(_ path: String, _ query: [String: String]) async throws -> [String: JSONValue] {
        let encoded = query.sorted { $0.key < $1.key }.map { key, value in
            "\(key)=\(value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"
        }
        let request = HTTPClientRequest(url: "\(settings.apiURL)\(path)?\(encoded.joined(separator: "&"))")
        do {
            let response = try await http.execute(request, timeout: .seconds(5))
            let body = try await response.body.collect(upTo: 64 * 1024)
            guard response.status == .ok, case .object(let object) = try JSONCoding.decoder.decode(JSONValue.self, from: Data(body.readableBytesView))
            else { throw Problem(title: "WeCom is unavailable", status: 503, detail: "WeCom answered \(response.status.code).") }
            return object
        } catch let problem as Problem {
            throw problem
        } catch {
            throw Problem(title: "WeCom is unavailable", status: 503, detail: "WeCom could not be reached; sign in with your password.")
        }
    }

    /// The app's WeCom access token (valid about two hours), shared by all sign-ins.
    private actor AccessTokenCache {
        private var current: (value: String, expires: Date)?

        func value(refreshing: Bool, fetch: @Sendable () async throws -> (String, Date)) async throws -> String {
            if !refreshing, let current, current.expires > Date() { return current.value }
            let fetched = try await fetch()
            current = fetched
            return fetched.0
        }
    }
}
