import Foundation

/// The demo company `seed-demo` loads: a team in three regions, a catalogue in four product lines and customers with
/// Chinese names, all derived from the index alone, so the same flags always load the same data.
public enum DemoData {
    /// A region of the demo team: its code, its name and the cities its customers are in.
    public struct Region: Sendable {
        public var code: String
        public var name: String
        public var province: String
        public var cities: [String]
    }

    /// One member of the demo team.
    public struct Member: Sendable, Equatable {
        public var username: String
        public var displayName: String
        /// `gm`, `regional_manager`, `supervisor`, `rep` or `finance`.
        public var role: String
        public var region: String?
        /// The username of the member's supervisor (reps only).
        public var supervisor: String?
        public var mobile: String
    }

    /// One product of the demo catalogue (prices in fen).
    public struct Product: Sendable, Equatable {
        public var name: String
        public var line: String
        public var listPriceFen: Int64
        public var unitCostFen: Int64
    }

    /// One demo customer, as a row of the import file.
    public struct Customer: Sendable, Equatable {
        public var name: String
        public var region: String
        public var industry: String
        public var address: String
        public var level: String
        /// `DEMO-000001`…: what makes a second import of the same customer "unchanged".
        public var externalID: String
        public var contact: String
        public var mobile: String
        /// The owning rep's username.
        public var owner: String
    }

    public static let regions: [Region] = [
        Region(code: "east-china", name: "华东", province: "浙江省", cities: ["宁波", "杭州", "温州", "台州", "绍兴", "嘉兴", "湖州", "金华"]),
        Region(code: "south-china", name: "华南", province: "广东省", cities: ["佛山", "东莞", "中山", "江门", "珠海", "惠州", "肇庆", "汕头"]),
        Region(code: "north-china", name: "华北", province: "河北省", cities: ["唐山", "沧州", "保定", "廊坊", "邢台", "邯郸", "衡水", "石家庄"]),
    ]

    /// Supervisors per region and reps per supervisor: 3 × 2 × 5 = 30 reps, the size of the companies SalesDesk is for.
    public static let supervisorsPerRegion = 2
    public static let repsPerSupervisor = 5

    private static let surnames = Array("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹")
    private static let givenNames = [
        "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "建华", "志强", "海燕", "晓东", "国庆", "春梅",
    ]

    /// A person's name for a number (deterministic, repeats after 720).
    public static func personName(_ number: Int) -> String {
        String(surnames[number % surnames.count]) + givenNames[(number / surnames.count) % givenNames.count]
    }

    /// The team: a general manager, finance, and per region a regional manager, supervisors and their reps.
    public static var team: [Member] {
        var members = [
            Member(username: "demo-gm", displayName: personName(0), role: "gm", region: nil, supervisor: nil, mobile: mobile(1)),
            Member(username: "demo-finance", displayName: personName(1), role: "finance", region: nil, supervisor: nil, mobile: mobile(2)),
        ]
        var person = 2
        for (r, region) in regions.enumerated() {
            let regionTag = region.code.split(separator: "-")[0]
            person += 1
            members.append(
                Member(
                    username: "demo-rm-\(regionTag)",
                    displayName: personName(person),
                    role: "regional_manager",
                    region: region.code,
                    supervisor: nil,
                    mobile: mobile(10 + r)
                )
            )
            for s in 1...supervisorsPerRegion {
                let supervisor = "demo-sup-\(regionTag)-\(s)"
                person += 1
                members.append(
                    Member(
                        username: supervisor,
                        displayName: personName(person),
                        role: "supervisor",
                        region: region.code,
                        supervisor: nil,
                        mobile: mobile(100 + r * 10 + s)
                    )
                )
                for p in 1...repsPerSupervisor {
                    person += 1
                    members.append(
                        Member(
                            username: "\(supervisor.replacingOccurrences(of: "demo-sup-", with: "demo-rep-"))-\(p)",
                            displayName: personName(person),
                            role: "rep",
                            region: region.code,
                            supervisor: supervisor,
                            mobile: mobile(1000 + r * 100 + s * 10 + p)
                        )
                    )
                }
            }
        }
        return members
    }

    /// The reps of the team, in order; customer `i` belongs to a rep of its region.
    public static var reps: [Member] { team.filter { $0.role == "rep" } }

    /// Four product lines of a small industrial manufacturer, three products each, with list prices and unit costs.
    public static let products: [Product] = [
        Product(name: "不锈钢离心泵 IS80", line: "泵阀", listPriceFen: 1_280_000, unitCostFen: 860_000),
        Product(name: "电动球阀 DN50", line: "泵阀", listPriceFen: 236_000, unitCostFen: 151_000),
        Product(name: "多级增压泵 CDL4", line: "泵阀", listPriceFen: 915_000, unitCostFen: 640_000),
        Product(name: "三相异步电机 Y2-132", line: "电机", listPriceFen: 468_000, unitCostFen: 329_000),
        Product(name: "永磁同步电机 15kW", line: "电机", listPriceFen: 1_650_000, unitCostFen: 1_090_000),
        Product(name: "减速电机 RV63", line: "电机", listPriceFen: 198_000, unitCostFen: 121_000),
        Product(name: "压力变送器 PT-200", line: "仪表", listPriceFen: 86_000, unitCostFen: 43_000),
        Product(name: "电磁流量计 DN80", line: "仪表", listPriceFen: 685_000, unitCostFen: 392_000),
        Product(name: "温度传感器 PT100", line: "仪表", listPriceFen: 12_800, unitCostFen: 5_100),
        Product(name: "变频控制柜 22kW", line: "控制柜", listPriceFen: 2_380_000, unitCostFen: 1_710_000),
        Product(name: "PLC 控制箱 S7", line: "控制柜", listPriceFen: 1_560_000, unitCostFen: 1_020_000),
        Product(name: "配电箱 XL-21", line: "控制柜", listPriceFen: 356_000, unitCostFen: 238_000),
    ]

    private static let nameParts = Array("恒永华金盛泰鑫宏昌嘉博瑞联创德信")
    private static let trades = ["机械", "五金", "模具", "电子", "注塑", "纺织", "电机", "阀门", "泵业", "精密"]
    private static let industries = ["机械制造", "五金", "模具", "电子", "注塑", "纺织", "电机", "阀门", "泵业", "精密加工"]
    private static let suffixes = ["有限公司", "制造有限公司", "科技有限公司"]
    /// How many distinct names one region's pattern yields before a number is added.
    static var namesPerRegion: Int { 8 * nameParts.count * nameParts.count * trades.count * suffixes.count }

    /// Customer `index` (from 0): a name unique across every index, its region, owner and contact.
    public static func customer(_ index: Int) -> Customer {
        let region = regions[index % regions.count]
        var rest = index / regions.count
        let city = region.cities[rest % region.cities.count]
        rest /= region.cities.count
        let first = nameParts[rest % nameParts.count]
        rest /= nameParts.count
        let second = nameParts[rest % nameParts.count]
        rest /= nameParts.count
        let trade = trades[rest % trades.count]
        rest /= trades.count
        let suffix = suffixes[rest % suffixes.count]
        rest /= suffixes.count
        let branch = rest == 0 ? "" : "（第\(rest + 1)分厂）"
        let regionReps = reps.filter { $0.region == region.code }
        let owner = regionReps[(index / regions.count) % regionReps.count]
        let serial = String(index + 1)
        return Customer(
            name: "\(city)\(first)\(second)\(trade)\(suffix)\(branch)",
            region: region.code,
            industry: industries[trades.firstIndex(of: trade) ?? 0],
            address: "\(region.province)\(city)市工业园区\(index % 97 + 1)路\(index % 500 + 1)号",
            level: ["A", "B", "B", "C", "C"][index % 5],
            externalID: "DEMO-" + String(repeating: "0", count: max(0, 6 - serial.count)) + serial,
            contact: personName(index + 7),
            mobile: mobile(10_000 + index),
            owner: owner.username
        )
    }

    /// A valid mobile number for a number below 100,000,000 (`139` and eight digits).
    public static func mobile(_ number: Int) -> String {
        let digits = String(number % 100_000_000)
        return "139" + String(repeating: "0", count: 8 - digits.count) + digits
    }

    /// The header of the import file, as the customer import expects it.
    public static let importHeader = ["客户名称", "统一社会信用代码", "区域", "行业", "地址", "级别", "来源", "外部编号", "联系人", "手机", "职务", "负责人"]

    /// Customers `range` as a UTF-8 CSV import file.
    public static func importCSV(_ range: Range<Int>) -> String {
        var text = importHeader.joined(separator: ",") + "\r\n"
        for index in range {
            let c = customer(index)
            text +=
                [c.name, "", c.region, c.industry, c.address, c.level, "", c.externalID, c.contact, c.mobile, "采购经理", c.owner]
                .joined(separator: ",") + "\r\n"
        }
        return text
    }
}
