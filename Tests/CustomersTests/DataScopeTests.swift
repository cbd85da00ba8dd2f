import Contracts
import ServiceRuntime
import Testing

@testable import Customers

/// ``DataScope`` and ``OwnerAssignment`` are pure: the scope table of ARCHITECTURE.md, checked without a database.
@Suite("Data scope")
struct DataScopeTests {
    @Test("a rep's scope is their own records; they may write and assign only themselves")
    func rep() {
        let scope = DataScope(CallerIdentity(userID: "rep-1", role: .rep, region: "east-china", team: ["ignored"]))
        #expect(scope.ownerIDs == ["rep-1"])
        #expect(scope.soleOwnerID == "rep-1")
        #expect(scope.region == nil)
        #expect(scope.canWrite && !scope.canReassignOwners)
        #expect(scope.contains(ownerID: "rep-1", region: "north-china"))
        #expect(!scope.contains(ownerID: "rep-2", region: "east-china"))
        #expect(!scope.contains(ownerID: "ignored", region: "east-china"))
        #expect(!scope.contains(ownerID: nil, region: "east-china"))
        #expect(scope.mayAssign(userID: "rep-1", userRegion: "east-china"))
        #expect(!scope.mayAssign(userID: "rep-2", userRegion: "east-china"))
    }

    @Test("a supervisor's scope is themselves and their direct reports, once each")
    func supervisor() {
        let scope = DataScope(CallerIdentity(userID: "sup-1", role: .supervisor, region: "east-china", team: ["rep-1", "sup-1", "rep-gone"]))
        #expect(scope.ownerIDs == ["sup-1", "rep-1", "rep-gone"])
        #expect(scope.soleOwnerID == nil)
        #expect(scope.region == nil)
        #expect(scope.contains(ownerID: "rep-gone", region: "east-china"))
        #expect(!scope.contains(ownerID: "rep-2", region: "east-china"))
        #expect(scope.mayAssign(userID: "rep-1", userRegion: "east-china"))
        #expect(!scope.mayAssign(userID: "rep-2", userRegion: "east-china"))
    }

    @Test("a regional manager sees their region, whoever owns the record; without a region only their own")
    func regionalManager() {
        let scope = DataScope(CallerIdentity(userID: "rm-1", role: .regionalManager, region: "east-china"))
        #expect(scope.ownerIDs == nil)
        #expect(scope.region == "east-china")
        #expect(scope.contains(ownerID: "anyone", region: "east-china"))
        #expect(scope.contains(ownerID: nil, region: "east-china"))
        #expect(!scope.contains(ownerID: "rm-1", region: "north-china"))
        #expect(scope.mayAssign(userID: "rep-9", userRegion: "east-china"))
        #expect(!scope.mayAssign(userID: "rep-9", userRegion: "north-china"))
        #expect(!scope.mayAssign(userID: "gm-1", userRegion: nil))

        let regionless = DataScope(CallerIdentity(userID: "rm-2", role: .regionalManager))
        #expect(regionless.ownerIDs == ["rm-2"])
        #expect(regionless.soleOwnerID == "rm-2")
        #expect(!regionless.contains(ownerID: "rep-1", region: "east-china"))
    }

    @Test("gm and admin see and assign everything", arguments: [Role.gm, .admin])
    func everything(role: Role) {
        let scope = DataScope(CallerIdentity(userID: "boss", role: role))
        #expect(scope.isUnrestricted && scope.canWrite && scope.canReassignOwners)
        #expect(scope.soleOwnerID == nil)
        #expect(scope.contains(ownerID: nil, region: nil))
        #expect(scope.mayAssign(userID: "rep-9", userRegion: "north-china"))
    }

    @Test("finance sees everything and changes nothing")
    func finance() {
        let scope = DataScope(CallerIdentity(userID: "fin-1", role: .finance))
        #expect(scope.isUnrestricted)
        #expect(!scope.canWrite && !scope.canReassignOwners)
        #expect(!scope.mayAssign(userID: "fin-1", userRegion: nil))
    }

    @Test("the warehouse sees no customer, deal or quote through the scope and changes none (its shipping view is deals')")
    func warehouse() {
        let scope = DataScope(CallerIdentity(userID: "wh-1", role: .warehouse))
        #expect(scope.ownerIDs == [] && !scope.isUnrestricted)
        #expect(!scope.contains(ownerID: "rep-1", region: "east-china") && !scope.contains(ownerID: nil, region: nil))
        #expect(!scope.canWrite && !scope.mayAssign(userID: "wh-1", userRegion: nil))
    }

    static let active = ReplicatedUser(id: "rep-2", role: .rep, region: "east-china", supervisorID: "sup-2", active: true)

    @Test(
        "owner rules: who may make whom the owner",
        arguments: [
            (CallerIdentity(userID: "rep-1", role: .rep), "rep-1", nil as ReplicatedUser?, true),
            (CallerIdentity(userID: "rep-1", role: .rep), "rep-2", active, false),
            (CallerIdentity(userID: "sup-2", role: .supervisor, team: ["rep-2"]), "rep-2", active, true),
            (CallerIdentity(userID: "sup-1", role: .supervisor, team: ["rep-1"]), "rep-2", active, false),
            (CallerIdentity(userID: "rm-1", role: .regionalManager, region: "east-china"), "rep-2", active, true),
            (CallerIdentity(userID: "rm-3", role: .regionalManager, region: "north-china"), "rep-2", active, false),
            (CallerIdentity(userID: "gm-1", role: .gm), "rep-2", active, true),
            (CallerIdentity(userID: "gm-1", role: .gm), "rep-2", nil, false),
            (
                CallerIdentity(userID: "sup-2", role: .supervisor, team: ["rep-2"]), "rep-2",
                ReplicatedUser(id: "rep-2", role: .rep, region: "east-china", supervisorID: "sup-2", active: false), false
            ),
        ]
    )
    func ownerRules(caller: CallerIdentity, userID: String, user: ReplicatedUser?, allowed: Bool) {
        let scope = DataScope(caller)
        do {
            try OwnerAssignment.check(userID, user: user, scope: scope, field: "ownerId")
            #expect(allowed)
        } catch {
            #expect(!allowed)
            #expect(error.status == 422)
            #expect(error.errors?.first?.field == "ownerId")
        }
    }
}
