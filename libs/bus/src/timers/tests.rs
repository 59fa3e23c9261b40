//! Validation of timers as the client checks them before scheduling.

use super::*;

fn timer() -> Timer {
    Timer {
        id: "inactivity.c1".into(),
        due_ms: 1_700_000_000_000,
        subject: "sb.cmd.t.c".into(),
        payload: vec![1, 2, 3],
        ..Default::default()
    }
}

#[test]
fn a_well_formed_timer_passes() {
    assert_eq!(validate(&timer()), Ok(()));
    assert_eq!(msg_id(&timer()), "timer:inactivity.c1:1700000000000");
}

#[test]
fn each_bad_field_is_named() {
    let with = |f: fn(&mut Timer)| {
        let mut t = timer();
        f(&mut t);
        validate(&t)
    };
    assert_eq!(with(|t| t.id = "a..b".into()), Err(InvalidTimer::Id));
    assert_eq!(with(|t| t.due_ms = 0), Err(InvalidTimer::Due));
    assert_eq!(
        with(|t| t.subject = "sb.*.x".into()),
        Err(InvalidTimer::Subject)
    );
    assert_eq!(
        with(|t| t.subject = "sb..x".into()),
        Err(InvalidTimer::Subject)
    );
    assert_eq!(
        with(|t| t.subject = "sb.a b".into()),
        Err(InvalidTimer::Subject)
    );
    assert_eq!(
        with(|t| t.payload = vec![0; MAX_PAYLOAD + 1]),
        Err(InvalidTimer::Payload)
    );
    assert_eq!(with(|t| t.msg_id = "a b".into()), Err(InvalidTimer::MsgId));
    let header = with(|t| {
        t.headers.insert("x".into(), "a\r\nb".into());
    });
    assert_eq!(header, Err(InvalidTimer::Header("x".into())));
    let big = with(|t| {
        t.headers.insert("x".into(), "y".repeat(5_000));
    });
    assert_eq!(big, Err(InvalidTimer::Headers));
}

#[test]
fn an_explicit_msg_id_wins() {
    let t = Timer {
        msg_id: "offer-timeout:42".into(),
        ..timer()
    };
    assert_eq!(msg_id(&t), "offer-timeout:42");
}
