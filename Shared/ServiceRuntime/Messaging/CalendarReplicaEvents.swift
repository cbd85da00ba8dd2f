public import Contracts
public import Persistence
public import PostgresNIO

extension EventHandlerRegistry {
    /// Keeps `replica` (the service's ``Persistence/CalendarReplica``) up to date from the gateway's `calendar.day_set`
    /// and `calendar.day_removed`; every service that counts working days registers this.
    ///
    /// The envelope's sequence is the day's version, so a late, older event changes nothing; the consumer's inbox
    /// makes a redelivery a no-op.
    /// - Parameters:
    ///   - replica: where the calendar is kept.
    ///   - record: also run for each event, in the same transaction (reporting logs every event).
    public mutating func registerCalendarReplica(
        _ replica: CalendarReplica,
        record: (@Sendable (EventEnvelope, PostgresConnection) async throws -> Void)? = nil
    ) {
        register(CalendarDaySet.self) { event, envelope, connection, _ in
            try await record?(envelope, connection)
            try await replica.store(event.calendarOverride, sequence: envelope.sequence, on: connection)
        }
        register(CalendarDayRemoved.self) { event, envelope, connection, _ in
            try await record?(envelope, connection)
            try await replica.remove(event.day, sequence: envelope.sequence, on: connection)
        }
    }
}
