/// nginx's shared memory zones are one namespace (ngx_shared_memory_add): a name is declared by one module, with
/// one size. Upstream `zone`s join the cache keys zones and limit zones there; one given no size anywhere is
/// refused once the configuration is read.
extension HTTPDraft {
    /// An upstream's `zone name [size]` (size 0: none given). Several upstreams may share one zone.
    func declareUpstreamZone(_ name: String, size: Int, at location: SourceLocation) throws {
        if cachePaths.contains(where: { $0.zoneName == name }) || limitZones.contains(where: { $0.name == name }) {
            throw DirectiveTable.differentUse(name, location)
        }
        guard let index = upstreamZones.firstIndex(where: { $0.name == name }) else {
            upstreamZones.append((name, size))
            return
        }
        let declared = upstreamZones[index].size
        if declared == 0 {
            upstreamZones[index].size = size
        } else if size != 0 && size != declared {
            throw ConfigError("the size \(size) of shared memory zone \"\(name)\" conflicts with already declared size \(declared)",
                              at: location)
        }
    }

    /// Whether an upstream declared `name` (a cache or limit zone of that name is then a different use).
    func isUpstreamZone(_ name: String) -> Bool { upstreamZones.contains { $0.name == name } }

    /// nginx's last word on the zones, once every directive is read and the levels merged (it has no place).
    func checkZoneSizes() throws {
        if let unsized = upstreamZones.first(where: { $0.size == 0 }) {
            throw ConfigError("zero size shared memory zone \"\(unsized.name)\"", at: nil)
        }
    }
}
