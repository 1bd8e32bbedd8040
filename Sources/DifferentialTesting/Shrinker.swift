/// Delta debugging over the item tree: drop one item, or replace a loop / skip / call by its
/// body, keep the change while the program stays valid and still mismatches, until nothing more
/// can go; a candidate must keep one of the original mismatch kinds (so the shrink does not wander
/// off to a different difference). Programs are small (tens of items), so one-at-a-time removal to a fixed point is enough.
enum Shrinker {
    static func shrink(_ program: GeneratedProgram, vpmu: VPMUMachine, exitEvery: Int?) -> GeneratedProgram {
        let original = Set(
            ((try? DifferentialCampaign.differences(in: program, vpmu: vpmu, exitEvery: exitEvery)) ?? []).map(\.kind))
        var best = program
        var next = 0  // after a success, resume at the same candidate position instead of rescanning
        while true {
            let all = candidates(best.items)
            guard
                let index = (next..<all.count).first(where: { index in
                    guard let smaller = GeneratedProgram(items: all[index]), smaller.bytes.count < best.bytes.count,
                        let found = try? DifferentialCampaign.differences(in: smaller, vpmu: vpmu, exitEvery: exitEvery)
                    else { return false }
                    return !original.isDisjoint(with: found.map(\.kind))
                })
            else {
                if next == 0 { break }
                next = 0  // one more full pass to reach a fixed point
                continue
            }
            best = GeneratedProgram(items: all[index]) ?? best
            next = index
        }
        return best
    }

    /// Every list one step smaller than `items`: one item removed or one construct flattened, at any depth.
    static func candidates(_ items: [Item]) -> [[Item]] {
        var result: [[Item]] = []
        for index in items.indices {
            var removed = items
            removed.remove(at: index)
            result.append(removed)
            let body: [Item]?
            switch items[index] {
            case .snippet: body = nil
            case .loop(_, _, let inner), .skip(_, let inner), .call(_, let inner): body = inner
            }
            guard let body else { continue }
            var flattened = items
            flattened.replaceSubrange(index...index, with: body)
            result.append(flattened)
            for smaller in candidates(body) {
                var rebuilt = items
                switch items[index] {
                case .loop(let kind, let trips, _): rebuilt[index] = .loop(kind, trips: trips, body: smaller)
                case .skip(let condition, _): rebuilt[index] = .skip(condition: condition, body: smaller)
                case .call(let kind, _): rebuilt[index] = .call(kind, body: smaller)
                case .snippet: break
                }
                result.append(rebuilt)
            }
        }
        return result
    }
}
