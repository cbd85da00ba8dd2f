public import Contracts

/// What a caller may see and change, derived from their ``Contracts/CallerIdentity`` by the table in
/// ARCHITECTURE.md ("Roles and data scope").
///
/// | role | sees | may write |
/// |---|---|---|
/// | `rep` | records they own | yes |
/// | `supervisor` | their own and their direct reports' records | yes |
/// | `regional_manager` | every record in their region | yes |
/// | `gm`, `admin` | everything | yes |
/// | `finance` | everything | no (payments excepted, which their owning service decides) |
/// | `warehouse` | nothing through this scope | no (shipments excepted: `deals` shows them signed contracts company-wide, without prices) |
///
/// A repository filters a list in SQL with bound parameters, never by concatenating the ids:
/// ```swift
/// """
/// WHERE (\(scope.ownerIDs)::text[] IS NULL OR owner_id = ANY(\(scope.ownerIDs)))
///   AND (\(scope.region)::text IS NULL OR region = \(scope.region))
/// """
/// ```
/// and a handler checks a single record with ``contains(ownerID:region:)``. A record out of scope must answer
/// 404, exactly like one that does not exist, so that a caller cannot learn what others hold.
///
/// The scope fails closed: a regional manager without a region sees nothing but what they own.
public struct DataScope: Sendable, Equatable {
    /// Whose scope this is.
    public let caller: CallerIdentity
    /// The owners whose records are in scope; `nil` means any owner. An empty list matches no record, and a
    /// record without an owner is only in a scope whose `ownerIDs` is `nil`.
    public let ownerIDs: [String]?
    /// The region every record in scope belongs to; `nil` means any region.
    public let region: String?
    /// Whether the caller may change records at all (`finance` reads only).
    public let canWrite: Bool

    /// The scope of a caller.
    /// - Parameter caller: the identity the gateway put in the RPC headers.
    public init(_ caller: CallerIdentity) {
        self.caller = caller
        switch caller.role {
        case .rep:
            ownerIDs = [caller.userID]
            region = nil
            canWrite = true
        case .supervisor:
            // The team travels with the identity (deactivated reports included), so a departed rep's customers stay
            // visible to their supervisor until someone transfers them.
            var team = [caller.userID]
            for member in caller.team where !team.contains(member) { team.append(member) }
            ownerIDs = team
            region = nil
            canWrite = true
        case .regionalManager:
            if let callerRegion = caller.region {
                ownerIDs = nil
                region = callerRegion
            } else {
                ownerIDs = [caller.userID]
                region = nil
            }
            canWrite = true
        case .gm, .admin:
            ownerIDs = nil
            region = nil
            canWrite = true
        case .finance:
            ownerIDs = nil
            region = nil
            canWrite = false
        case .warehouse:
            // Fails closed: customers, deals, quotes and reports stay out of reach; the shipping operations of `deals`
            // give the warehouse its own price-free view of signed contracts.
            ownerIDs = []
            region = nil
            canWrite = false
        }
    }

    /// Whether the scope covers every record (no owner and no region condition).
    public var isUnrestricted: Bool { ownerIDs == nil && region == nil }

    /// The one owner of a scope of exactly one owner (a rep's, a regional manager's without a region), else `nil`.
    ///
    /// A list that pages on an index starting with the owner says the owner condition in two exclusive halves:
    /// ```swift
    /// """
    /// WHERE (\(scope.soleOwnerID)::text IS NOT NULL OR \(scope.ownerIDs)::text[] IS NULL OR owner_id = ANY(\(scope.ownerIDs)))
    ///   AND (\(scope.soleOwnerID)::text IS NULL OR owner_id = \(scope.soleOwnerID))
    /// """
    /// ```
    /// PostgreSQL 15 plans `owner_id = ANY('{x}')` as an array scan whose rows it must sort again, but `owner_id = 'x'`
    /// as an equality that walks an `(owner_id, created_at DESC, id DESC)` index in page order and stops after one
    /// page. Planned with the bound values, exactly one half is left. Both at once would be estimated as two
    /// independent conditions (1/30 × 1/30 of the rows for one rep in thirty), and the planner then fetched all of
    /// the rep's rows to sort them, thinking them few.
    public var soleOwnerID: String? {
        guard let ownerIDs, ownerIDs.count == 1 else { return nil }
        return ownerIDs[0]
    }

    /// Whether the caller may make someone other than themselves the owner of a record: supervisors and up.
    public var canReassignOwners: Bool {
        canWrite && caller.role != .rep
    }

    /// Whether a record with this owner and region is in scope.
    /// - Parameters:
    ///   - ownerID: the record's owner, `nil` when it has none.
    ///   - region: the record's region, `nil` when it has none.
    public func contains(ownerID: String?, region: String?) -> Bool {
        if let ownerIDs {
            guard let ownerID, ownerIDs.contains(ownerID) else { return false }
        }
        if let scopeRegion = self.region {
            guard region == scopeRegion else { return false }
        }
        return true
    }

    /// Whether the caller may make a user the owner of a record: a rep only themselves, a supervisor themselves or
    /// a direct report, a regional manager any user of their region, gm and admin anyone; finance no one.
    ///
    /// Whether that user exists and is active is the owning service's question (its org replica answers it).
    /// - Parameters:
    ///   - userID: the prospective owner.
    ///   - userRegion: that user's region, `nil` when they belong to none.
    public func mayAssign(userID: String, userRegion: String?) -> Bool {
        guard canWrite else { return false }
        if userID == caller.userID { return true }
        return canReassignOwners && contains(ownerID: userID, region: userRegion)
    }
}

extension RPCRequest {
    /// The caller's data scope; a request without identity headers (one that bypassed the gateway) is a 401.
    public func dataScope() throws(Problem) -> DataScope {
        DataScope(try requireIdentity())
    }

    /// The scope of a caller about to change data. A role that may not write at all (finance) gets a 403 before
    /// any lookup: knowing that the role cannot write leaks nothing about any record.
    /// - Parameter records: what the service keeps, for the message (`customers`, `deals`).
    public func writeScope(of records: String) throws(Problem) -> DataScope {
        let scope = try dataScope()
        guard scope.canWrite else { throw Problem.forbidden("The \(scope.caller.role.rawValue) role may read \(records) but not change them.") }
        return scope
    }
}
