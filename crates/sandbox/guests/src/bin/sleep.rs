//! Sleeps an hour inside one host call (`poll_oneoff`), where no wasm code runs to be
//! interrupted. First argument: `relative` (std's sleep, the default), or `monotonic` /
//! `realtime` for a raw poll on an absolute deadline of that clock.

#[link(wasm_import_module = "wasi_snapshot_preview1")]
unsafe extern "C" {
    fn clock_time_get(id: u32, precision: u64, time: *mut u64) -> u16;
    fn poll_oneoff(
        subs: *const Subscription,
        events: *mut u8,
        n: usize,
        nevents: *mut usize,
    ) -> u16;
}

#[repr(C, align(8))]
struct Subscription([u8; 48]);

const HOUR_NANOS: u64 = 3600 * 1_000_000_000;

fn sleep_until(clock: u32) {
    let mut now = 0u64;
    // SAFETY: `now` is a live u64 the call writes.
    assert_eq!(unsafe { clock_time_get(clock, 1, &mut now) }, 0);
    let mut subscription = Subscription([0; 48]);
    // userdata 0, tag 0 (clock), id, timeout, precision, flags = absolute.
    subscription.0[16..20].copy_from_slice(&clock.to_le_bytes());
    subscription.0[24..32].copy_from_slice(&(now + HOUR_NANOS).to_le_bytes());
    subscription.0[40..42].copy_from_slice(&1u16.to_le_bytes());
    let mut events = [0u8; 32];
    let mut count = 0usize;
    // SAFETY: one subscription, room for one event, all live.
    let errno = unsafe { poll_oneoff(&subscription, events.as_mut_ptr(), 1, &mut count) };
    println!("poll returned errno {errno}");
}

fn main() {
    match std::env::args().nth(1).as_deref() {
        Some("monotonic") => sleep_until(1),
        Some("realtime") => sleep_until(0),
        _ => std::thread::sleep(std::time::Duration::from_secs(3600)),
    }
    println!("woke up");
}
