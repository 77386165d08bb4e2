@testable import Balancing

/// Server names a, b, c… map to addresses 10.0.0.1:8080, 10.0.0.2:8080, …
func address(_ name: Character) -> String {
    "10.0.0.\(Int(name.asciiValue!) - 96):8080"
}

func name(_ peer: PeerID) -> Character {
    Character(UnicodeScalar(UInt8(97 + peer.index)))
}

func makeHealth(_ configs: [PeerConfig]) -> PeerHealth {
    PeerHealth(peers: configs)
}

/// Weighted peers named a, b, c… with everything else default.
func weighted(_ weights: [Int], maxFails: Int = 1, failTimeout: Duration = .seconds(10)) -> PeerHealth {
    makeHealth(
        weights.enumerated().map { index, weight in
            PeerConfig(
                address(Character(UnicodeScalar(UInt8(97 + index)))), weight: weight, maxFails: maxFails,
                failTimeout: failTimeout)
        })
}

/// One request's first pick, released at once with `outcome`; returns the peer's name or "-" for none.
@discardableResult
func request<B: Balancer>(
    _ lb: inout B, _ ctx: PickContext = PickContext(), at now: Instant = .seconds(1000),
    outcome: PeerOutcome = .ok
) -> Character {
    var state = PickState()
    guard let pick = lb.pick(ctx, state: &state, now: now) else { return "-" }
    lb.release(pick.peer, outcome, now: now)
    return name(pick.peer)
}

func sequence<B: Balancer>(_ lb: inout B, _ count: Int, at now: Instant = .seconds(1000)) -> String {
    String((0..<count).map { _ in request(&lb, at: now) })
}

func counts<B: Balancer>(
    _ lb: inout B, _ count: Int, ctx: PickContext = PickContext(), at now: Instant = .seconds(1000)
)
    -> [Character: Int]
{
    var result: [Character: Int] = [:]
    for _ in 0..<count { result[request(&lb, ctx, at: now), default: 0] += 1 }
    return result
}

extension Array where Element == UInt8 {
    init(_ text: String) { self = Array(text.utf8) }
}

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// CRC-32 computed bit by bit, independently of the module's table.
func referenceCRC32(_ data: [UInt8], start: UInt32 = 0xFFFF_FFFF, finish: Bool = true) -> UInt32 {
    var crc = start
    for byte in data {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = (crc >> 1) ^ (crc & 1 == 1 ? 0xEDB8_8320 : 0) }
    }
    return finish ? ~crc : crc
}
