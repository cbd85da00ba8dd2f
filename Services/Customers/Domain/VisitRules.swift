public import Contracts
public import Foundation

/// The rules of a visit, without I/O: what a check-in must carry, how far it was from the customer, and its flags.
public enum VisitRules {
    static let maxNotesLength = 2000
    static let maxContactNameLength = 100
    static let maxAccuracyMeters = 100_000
    /// The mean earth radius (IUGG), in metres; the haversine distance with it is within 0.5 % of the ellipsoid's.
    static let earthRadiusMeters = 6_371_008.8
    /// A check-in time older than this when it arrives is flagged `recorded_offline`.
    public static let offlineAfter: TimeInterval = 10 * 60
    /// The oldest check-in time accepted: a phone offline for longer has its visit refused (422), not back-dated.
    public static let oldestCheckIn: TimeInterval = 7 * 24 * 3600

    /// When a check-in is flagged (`visits.max.distance.meters`, `visits.poor.accuracy.meters`).
    public struct Thresholds: Sendable, Equatable {
        /// A check-in farther than this from the customer's location is `far`.
        public var maxDistanceMeters: Int
        /// A position less accurate than this is `poor_accuracy`.
        public var poorAccuracyMeters: Int

        public init(maxDistanceMeters: Int = 500, poorAccuracyMeters: Int = 200) {
            self.maxDistanceMeters = maxDistanceMeters
            self.poorAccuracyMeters = poorAccuracyMeters
        }
    }

    /// A validated check-in.
    public struct CheckIn: Sendable, Equatable {
        public var position: GeoPoint
        public var accuracyMeters: Int
        public var purpose: VisitPurpose
        public var notes: String?
        public var contactName: String?
        public var nextFollowUpOn: CalendarDay?
        /// When the visit happened: the phone's time if it sent one (never later than `now`), else `now`.
        public var at: Date
    }

    /// Validates a check-in; throws a 422 problem naming every invalid field.
    /// - Parameters:
    ///   - draft: the body as sent.
    ///   - today: the current Asia/Shanghai day; a follow-up date before it is refused.
    public static func validate(_ draft: VisitDraft, today: CalendarDay, now: Date = Date()) throws(Problem) -> CheckIn {
        var errors: [Problem.FieldError] = []
        let position = point(latitude: draft.latitude, longitude: draft.longitude, into: &errors)
        var accuracy: Int?
        if let value = draft.accuracyMeters {
            if (0...maxAccuracyMeters).contains(value) {
                accuracy = value
            } else {
                errors.append(.init(field: "accuracyMeters", message: "must be between 0 and \(maxAccuracyMeters)"))
            }
        } else {
            errors.append(.init(field: "accuracyMeters", message: "is required"))
        }
        var purpose: VisitPurpose?
        if let text = draft.purpose {
            purpose = VisitPurpose(rawValue: text)
            if purpose == nil {
                let allowed = VisitPurpose.allCases.map(\.rawValue).joined(separator: ", ")
                errors.append(.init(field: "purpose", message: "must be one of \(allowed)"))
            }
        } else {
            errors.append(.init(field: "purpose", message: "is required"))
        }
        let notes = text(draft.notes, field: "notes", max: maxNotesLength, into: &errors)
        let contactName = text(draft.contactName, field: "contactName", max: maxContactNameLength, into: &errors)
        var followUp: CalendarDay?
        if let text = draft.nextFollowUpOn {
            if let day = CalendarDay(text) {
                if day < today {
                    errors.append(.init(field: "nextFollowUpOn", message: "must not be before today (\(today))"))
                } else {
                    followUp = day
                }
            } else {
                errors.append(.init(field: "nextFollowUpOn", message: "must be a date YYYY-MM-DD"))
            }
        }
        var at = now
        if let text = draft.checkedInAt {
            if let time = Self.time(text) {
                if time < now.addingTimeInterval(-oldestCheckIn) {
                    errors.append(.init(field: "checkedInAt", message: "must be within the last 7 days"))
                } else {
                    // A phone whose clock runs ahead is not refused: its time is taken as now.
                    at = min(time, now)
                }
            } else {
                errors.append(.init(field: "checkedInAt", message: "must be a date-time like 2026-11-29T09:30:00+08:00"))
            }
        }
        guard errors.isEmpty, let position, let accuracy, let purpose else { throw Problem.validation(errors) }
        return CheckIn(
            position: position,
            accuracyMeters: accuracy,
            purpose: purpose,
            notes: notes,
            contactName: contactName,
            nextFollowUpOn: followUp,
            at: at
        )
    }

    /// An RFC 3339 date-time, with or without fractional seconds.
    static func time(_ text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        if let date = plain.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }

    /// Validates a customer location; throws a 422 problem naming every invalid field.
    public static func validate(_ draft: LocationDraft) throws(Problem) -> GeoPoint {
        var errors: [Problem.FieldError] = []
        guard let position = point(latitude: draft.latitude, longitude: draft.longitude, into: &errors), errors.isEmpty else {
            throw Problem.validation(errors)
        }
        return position
    }

    /// The great-circle (haversine) distance between two points, rounded to whole metres.
    public static func distanceMeters(from a: GeoPoint, to b: GeoPoint) -> Int {
        let radians = Double.pi / 180
        let latitudeA = a.latitude * radians
        let latitudeB = b.latitude * radians
        let deltaLatitude = (b.latitude - a.latitude) * radians
        let deltaLongitude = (b.longitude - a.longitude) * radians
        let h = sin(deltaLatitude / 2) * sin(deltaLatitude / 2) + cos(latitudeA) * cos(latitudeB) * sin(deltaLongitude / 2) * sin(deltaLongitude / 2)
        let central = 2 * atan2(h.squareRoot(), (1 - h).squareRoot())
        return Int((earthRadiusMeters * central).rounded(.toNearestOrAwayFromZero))
    }

    /// The flags of a check-in, in a stable order.
    /// - Parameters:
    ///   - distanceMeters: the distance from the customer's location, `nil` when it had none.
    ///   - accuracyMeters: the position's accuracy.
    ///   - locationFromVisit: whether this check-in set the customer's location.
    ///   - thresholds: the configured limits.
    public static func flags(
        distanceMeters: Int?,
        accuracyMeters: Int,
        locationFromVisit: Bool,
        recordedOffline: Bool = false,
        thresholds: Thresholds
    ) -> [VisitFlag] {
        var flags: [VisitFlag] = []
        if let distanceMeters, distanceMeters > thresholds.maxDistanceMeters { flags.append(.far) }
        if accuracyMeters > thresholds.poorAccuracyMeters { flags.append(.poorAccuracy) }
        if locationFromVisit { flags.append(.locationFromVisit) }
        if recordedOffline { flags.append(.recordedOffline) }
        return flags
    }

    /// Whole minutes from check-in to check-out, rounded down (never negative).
    public static func durationMinutes(from checkedIn: Date, to checkedOut: Date) -> Int {
        max(0, Int((checkedOut.timeIntervalSince(checkedIn) / 60).rounded(.down)))
    }

    /// A coordinate at the stored precision, six decimals (`numeric(9,6)`).
    public static func rounded(_ degrees: Double) -> Double {
        (degrees * 1_000_000).rounded(.toNearestOrAwayFromZero) / 1_000_000
    }

    /// A coordinate as the decimal text bound to a `numeric(9,6)` column, so no floating-point value reaches SQL.
    static func decimalText(_ degrees: Double) -> String {
        String(format: "%.6f", rounded(degrees))
    }

    private static func point(latitude: Double?, longitude: Double?, into errors: inout [Problem.FieldError]) -> GeoPoint? {
        var valid = true
        if let latitude {
            if !latitude.isFinite || !(-90...90).contains(latitude) {
                errors.append(.init(field: "latitude", message: "must be between -90 and 90"))
                valid = false
            }
        } else {
            errors.append(.init(field: "latitude", message: "is required"))
            valid = false
        }
        if let longitude {
            if !longitude.isFinite || !(-180...180).contains(longitude) {
                errors.append(.init(field: "longitude", message: "must be between -180 and 180"))
                valid = false
            }
        } else {
            errors.append(.init(field: "longitude", message: "is required"))
            valid = false
        }
        guard valid, let latitude, let longitude else { return nil }
        return GeoPoint(latitude: rounded(latitude), longitude: rounded(longitude))
    }

    private static func text(_ value: String?, field: String, max: Int, into errors: inout [Problem.FieldError]) -> String? {
        guard let trimmed = value?.trimmingCharacters(in: .whitespacesAndNewlines), !trimmed.isEmpty else { return nil }
        if trimmed.count > max {
            errors.append(.init(field: field, message: "is longer than \(max) characters"))
            return nil
        }
        return trimmed
    }
}
