import Persistence

/// The gateway's tables that only grow, pruned by the common ``Persistence/RetentionPruner``.
enum IdentityRetention {
    /// Failed logins past ``Persistence/RetentionPolicy/loginFailures`` (always longer than a lockout window), and
    /// refresh tokens ``Persistence/RetentionPolicy/expiredRefreshTokens`` after they expired. A revoked token stays
    /// until then: presenting one that rotation used up must still be recognised as reuse while it could be valid.
    static func rules(_ policy: RetentionPolicy) -> [RetentionRule] {
        [
            .delete(name: "login_failures", from: "login_failures", where: "at < now() - make_interval(secs => $1)", age: policy.loginFailures),
            .delete(
                name: "refresh_tokens",
                from: "refresh_tokens",
                where: "expires_at < now() - make_interval(secs => $1)",
                age: policy.expiredRefreshTokens
            ),
        ]
    }
}
