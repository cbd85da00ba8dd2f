import Foundation

/// What login and refresh answer: a new access token, the refresh token that replaces the one used, and the user.
struct Session: Encodable, Sendable {
    var accessToken: String
    var tokenType = "Bearer"
    var expiresIn = Int(TokenService.accessTokenLifetime)
    var refreshToken: String
    var user: User
}
