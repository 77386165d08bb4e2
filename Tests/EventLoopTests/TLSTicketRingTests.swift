import EventLoop
import Testing

/// The rotating ticket keys of a shared session cache, on a clock the test sets: nginx's ngx_ssl_rotate_ticket_keys.
@Suite struct TLSTicketRingTests {
    @Test func theCurrentKeyStaysWhileUsedWithinTheTimeoutThenTheNextTakesOver() {
        let ring = TLSTicketRing()
        let t0 = 1_000_000
        let first = ring.rotate(now: t0, timeoutSeconds: 2)
        #expect(first.current.count == 16)
        #expect(first.previous == first.current)   // nothing older yet: both slots hold the first key
        // Half a second later (the clock is whole seconds): the same key encrypts.
        #expect(ring.rotate(now: t0, timeoutSeconds: 2).current == first.current)
        #expect(ring.rotate(now: t0 + 1, timeoutSeconds: 2).current == first.current)
        // Past the previous slot's expiry the next key encrypts and the old one still decrypts.
        let later = ring.rotate(now: t0 + 3, timeoutSeconds: 2)
        #expect(later.current != first.current)
        #expect(later.previous == first.current)
        // And at the following rotation the first key is gone.
        let last = ring.rotate(now: t0 + 7, timeoutSeconds: 2)
        #expect(last.previous == later.current)
        #expect(last.current != later.current && last.current != first.current)
    }

    @Test func ringsAreIndependent() {
        let a = TLSTicketRing(), b = TLSTicketRing()
        #expect(a.rotate(now: 10, timeoutSeconds: 300).current != b.rotate(now: 10, timeoutSeconds: 300).current)
    }
}
