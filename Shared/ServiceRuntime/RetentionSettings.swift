public import Persistence

extension RetentionPolicy {
    /// Reads the retention of every pruned table from configuration; an unset key keeps the default of
    /// ``Persistence/RetentionPolicy/init(inbox:idempotencyKeys:publishedOutbox:loginFailures:expiredRefreshTokens:eventLogPersonalData:finishedTimers:interval:batchSize:)``.
    ///
    /// | key (env) | default | allowed |
    /// |---|---|---|
    /// | `retention.inbox.days` (`RETENTION_INBOX_DAYS`) | 30 | 7…3650 |
    /// | `retention.idempotency_keys.hours` (`RETENTION_IDEMPOTENCY_KEYS_HOURS`) | 168 | 24…87600 |
    /// | `retention.outbox.days` (`RETENTION_OUTBOX_DAYS`) | 7 | 1…3650 |
    /// | `retention.login_failures.days` (`RETENTION_LOGIN_FAILURES_DAYS`) | 30 | 1…3650 |
    /// | `retention.refresh_tokens.days` (`RETENTION_REFRESH_TOKENS_DAYS`) | 7 | 0…3650 |
    /// | `retention.event_log.personal_data.days` (`RETENTION_EVENT_LOG_PERSONAL_DATA_DAYS`) | 90 | 1…3650 |
    /// | `retention.timers.days` (`RETENTION_TIMERS_DAYS`) | 90 | 45…3650 |
    /// | `retention.interval.minutes` (`RETENTION_INTERVAL_MINUTES`) | 60 | 1…1440 |
    /// | `retention.batch.size` (`RETENTION_BATCH_SIZE`) | 1000 | 1…100000 |
    /// - Parameter configuration: the service's configuration.
    /// - Throws: ``ConfigurationError`` naming the key whose value is not a whole number in its range.
    public init(_ configuration: ServiceConfiguration) throws(ConfigurationError) {
        let defaults = RetentionPolicy()
        func days(_ key: String, _ value: Duration, minimum: Int) throws(ConfigurationError) -> Duration {
            .seconds(try configuration.int(key, default: Int(Self.seconds(value)) / 86_400, in: minimum...3650) * 86_400)
        }
        self.init(
            inbox: try days("retention.inbox.days", defaults.inbox, minimum: Int(Self.seconds(Self.minimumInbox)) / 86_400),
            idempotencyKeys: .seconds(
                try configuration.int(
                    "retention.idempotency_keys.hours",
                    default: Int(Self.seconds(defaults.idempotencyKeys)) / 3600,
                    in: Int(Self.seconds(Self.minimumIdempotencyKeys)) / 3600...87_600
                ) * 3600
            ),
            publishedOutbox: try days("retention.outbox.days", defaults.publishedOutbox, minimum: 1),
            loginFailures: try days(
                "retention.login_failures.days",
                defaults.loginFailures,
                minimum: Int(Self.seconds(Self.minimumLoginFailures)) / 86_400
            ),
            expiredRefreshTokens: try days("retention.refresh_tokens.days", defaults.expiredRefreshTokens, minimum: 0),
            eventLogPersonalData: try days("retention.event_log.personal_data.days", defaults.eventLogPersonalData, minimum: 1),
            finishedTimers: try days(
                "retention.timers.days",
                defaults.finishedTimers,
                minimum: Int(Self.seconds(Self.minimumFinishedTimers)) / 86_400
            ),
            interval: .seconds(try configuration.int("retention.interval.minutes", default: 60, in: 1...1440) * 60),
            batchSize: try configuration.int("retention.batch.size", default: defaults.batchSize, in: 1...100_000)
        )
    }
}
