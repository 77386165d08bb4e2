extension RoundRobin {
    /// The hash methods' check of one candidate (nginx's tests inside their rehash loops).
    mutating func take(_ index: Int, state: inout PickState, now: Int64) -> Bool {
        health.take(index, state: &state, now: now, allowDraining: false)
    }

    /// Sum of the primaries' weights, `down` ones included so that other clients keep their server.
    var primaryTotalWeight: Int { primaries.reduce(0) { $0 + health.limits[$1].weight } }

    /// The primary that `w` (0 ≤ w < total weight) lands on, walking peers by weight.
    func primary(atWeight w: Int) -> Int {
        var rest = w
        for index in primaries {
            let weight = health.limits[index].weight
            if rest < weight { return index }
            rest -= weight
        }
        return primaries[primaries.count - 1]
    }
}
