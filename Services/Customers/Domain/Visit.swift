public import Contracts
public import Foundation
public import ServiceRuntime

/// A point on the earth in WGS-84 decimal degrees, as a browser's Geolocation API gives it.
///
/// `Double` is acceptable here: coordinates are measurements, not money, and they are stored as `numeric(9,6)`
/// (about 0.1 m), never as a floating-point column; ``VisitRules/rounded(_:)`` brings them to that precision first.
public struct GeoPoint: Sendable, Equatable, Codable {
    public var latitude: Double
    public var longitude: Double

    public init(latitude: Double, longitude: Double) {
        self.latitude = latitude
        self.longitude = longitude
    }
}

/// Why a rep went to see a customer.
public enum VisitPurpose: String, Sendable, Codable, CaseIterable {
    case firstVisit = "first_visit"
    case followUp = "follow_up"
    case demo
    case negotiation
    case delivery
    case afterSales = "after_sales"
    case collection
    case other
}

/// What a manager should look at twice about a visit. A flag never refuses a check-in.
public enum VisitFlag: String, Sendable, Codable, CaseIterable {
    /// Checked in farther from the customer's location than the configured distance.
    case far
    /// The position's accuracy was worse than the configured radius.
    case poorAccuracy = "poor_accuracy"
    /// The customer had no location; this check-in set it.
    case locationFromVisit = "location_from_visit"
    /// Recorded on the phone without signal and sent later: the visit keeps the phone's time, older than
    /// ``VisitRules/offlineAfter`` when it arrived.
    case recordedOffline = "recorded_offline"
}

/// A visit (拜访记录): a rep checked in at a customer and, later, out.
public struct Visit: Sendable, Equatable, Codable, ScopedRecord {
    public var id: RecordID
    public var customerID: RecordID
    public var customerName: String
    /// The rep who checked in; the owner for data scope.
    public var repID: String
    public var checkedInAt: Date
    public var checkedOutAt: Date?
    /// Whole minutes between check-in and check-out, rounded down; `nil` until checked out.
    public var durationMinutes: Int?
    public var latitude: Double
    public var longitude: Double
    public var accuracyMeters: Int
    public var purpose: VisitPurpose
    public var notes: String?
    public var contactName: String?
    public var nextFollowUpOn: CalendarDay?
    /// Metres from the customer's location; `nil` when the customer had none.
    public var distanceMeters: Int?
    public var flags: [VisitFlag]
    /// How many photos the visit has (at most ``VisitPhotoRules/maxPerVisit``).
    public var photoCount: Int = 0
    public var version: Int64
    /// The customer's current region, for data scope; not part of the API.
    public var customerRegion: String? = nil
    /// The rep's display name from the org replica (their user id until the replica knows a name); set on every
    /// visit read from the store.
    public var repName: String? = nil
    /// The customer's current location (WGS-84), `nil` when it has none: a manager's plot joins it to the visit's
    /// position.
    public var customerLocation: GeoPoint? = nil

    enum CodingKeys: String, CodingKey {
        case id, customerName, checkedInAt, checkedOutAt, durationMinutes, latitude, longitude, accuracyMeters, purpose, notes
        case contactName, nextFollowUpOn, distanceMeters, flags, version, repName, customerLocation
        case customerID = "customerId"
        case repID = "repId"
        case photoCount
    }

    public var scopeOwnerID: String? { repID }
    public var scopeRegion: String? { customerRegion }

    /// The state carried by visit events.
    var snapshot: VisitSnapshot {
        VisitSnapshot(
            id: id.description,
            customerID: customerID.description,
            repID: repID,
            checkedInAt: checkedInAt,
            checkedOutAt: checkedOutAt,
            durationMinutes: durationMinutes,
            purpose: purpose.rawValue,
            nextFollowUpOn: nextFollowUpOn?.description,
            distanceMeters: distanceMeters,
            flags: flags.map(\.rawValue),
            version: version
        )
    }
}

/// A check-in as a client sends it; optional members so that every invalid field is reported together.
public struct VisitDraft: Sendable, Decodable, Equatable {
    public var latitude: Double?
    public var longitude: Double?
    public var accuracyMeters: Int?
    public var purpose: String?
    public var notes: String?
    public var contactName: String?
    public var nextFollowUpOn: String?
    /// When the rep checked in, by the phone's clock (RFC 3339): an offline check-in is sent later and keeps its time.
    public var checkedInAt: String?

    public init(
        latitude: Double? = nil,
        longitude: Double? = nil,
        accuracyMeters: Int? = nil,
        purpose: String? = nil,
        notes: String? = nil,
        contactName: String? = nil,
        nextFollowUpOn: String? = nil,
        checkedInAt: String? = nil
    ) {
        self.latitude = latitude
        self.longitude = longitude
        self.accuracyMeters = accuracyMeters
        self.purpose = purpose
        self.notes = notes
        self.contactName = contactName
        self.nextFollowUpOn = nextFollowUpOn
        self.checkedInAt = checkedInAt
    }
}

/// A customer location as a client sends it.
public struct LocationDraft: Sendable, Decodable, Equatable {
    public var latitude: Double?
    public var longitude: Double?

    public init(latitude: Double? = nil, longitude: Double? = nil) {
        self.latitude = latitude
        self.longitude = longitude
    }
}
