public import Foundation

/// The visit state carried by visit events: enough for reports (visit counts, follow-up frequency), without the
/// position or the notes.
public struct VisitSnapshot: Codable, Sendable, Equatable {
    public var id: String
    public var customerID: String
    public var repID: String
    public var checkedInAt: Date
    public var checkedOutAt: Date?
    public var durationMinutes: Int?
    /// `first_visit`, `follow_up`, `demo`, `negotiation`, `delivery`, `after_sales`, `collection` or `other`.
    public var purpose: String
    /// `YYYY-MM-DD` (Asia/Shanghai), when the rep means to follow up.
    public var nextFollowUpOn: String?
    /// Metres from the customer's location; `nil` when it had none.
    public var distanceMeters: Int?
    /// `far`, `poor_accuracy`, `location_from_visit`.
    public var flags: [String]
    public var version: Int64

    public init(
        id: String,
        customerID: String,
        repID: String,
        checkedInAt: Date,
        checkedOutAt: Date?,
        durationMinutes: Int?,
        purpose: String,
        nextFollowUpOn: String?,
        distanceMeters: Int?,
        flags: [String],
        version: Int64
    ) {
        self.id = id
        self.customerID = customerID
        self.repID = repID
        self.checkedInAt = checkedInAt
        self.checkedOutAt = checkedOutAt
        self.durationMinutes = durationMinutes
        self.purpose = purpose
        self.nextFollowUpOn = nextFollowUpOn
        self.distanceMeters = distanceMeters
        self.flags = flags
        self.version = version
    }
}

/// A `visit.*` event: visits belong to the `customers` service.
public protocol VisitEvent: DomainEvent {}

extension VisitEvent {
    /// `customers`.
    public static var source: String { Operation.Customers.service }
}

/// `visit.checked_in`: a rep checked in at a customer.
public struct VisitCheckedIn: VisitEvent, Equatable {
    public static let eventType = "visit.checked_in"
    public var visit: VisitSnapshot
    public init(visit: VisitSnapshot) { self.visit = visit }
}

/// `visit.checked_out`: a rep checked out of a visit; the snapshot carries its duration.
public struct VisitCheckedOut: VisitEvent, Equatable {
    public static let eventType = "visit.checked_out"
    public var visit: VisitSnapshot
    public init(visit: VisitSnapshot) { self.visit = visit }
}

/// `visit.photo_added`: a rep added a photo to a visit (issue 10). Carries what reports count, never the bytes or the
/// photo's position. The sequence is the visit's version, which the photo raised.
public struct VisitPhotoAdded: VisitEvent, Equatable {
    public static let eventType = "visit.photo_added"
    public var visitID: String
    public var photoID: String
    public var customerID: String
    public var repID: String
    /// `image/jpeg`, `image/png` or `image/heic`.
    public var contentType: String
    public var byteSize: Int
    /// The visit's photos after this one.
    public var photoCount: Int

    public init(visitID: String, photoID: String, customerID: String, repID: String, contentType: String, byteSize: Int, photoCount: Int) {
        self.visitID = visitID
        self.photoID = photoID
        self.customerID = customerID
        self.repID = repID
        self.contentType = contentType
        self.byteSize = byteSize
        self.photoCount = photoCount
    }
}
