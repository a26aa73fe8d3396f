//! Read-modify-writes against the stores' conditional writes: a record is read, changed and
//! written on the `revision` read, and the store refuses the write (`StoreError::Conflict`)
//! when another write landed in between. [`until_written`] is the one loop that tries again;
//! each caller says what a refused try is and what it answers when every try was refused.

use std::future::Future;

/// What one try of a read-modify-write came to.
pub(crate) enum Tried<T, S = ()> {
    /// Written, or nothing to write: the answer.
    Done(T),
    /// Refused: another write landed between the read and the write (`S` says what the caller
    /// keeps of the refusal).
    Stale(S),
}

/// Runs `attempt` (read, change, conditional write) until a try is not refused as stale, at
/// most `attempts` times, and gives the last try's outcome. A try loses only to another write
/// that landed, so `attempts` concurrent writers of one record all get through.
pub(crate) async fn until_written<T, S, E, F, Fut>(attempts: u32, mut attempt: F) -> Result<Tried<T, S>, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Tried<T, S>, E>>,
{
    let mut tried = attempt().await?;
    for _ in 1..attempts {
        if let Tried::Done(_) = tried {
            break;
        }
        tried = attempt().await?;
    }
    Ok(tried)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    fn outcome<T, S>(tried: Tried<T, S>) -> Result<T, S> {
        match tried {
            Tried::Done(t) => Ok(t),
            Tried::Stale(s) => Err(s),
        }
    }

    #[tokio::test]
    async fn tries_again_while_stale_and_stops_at_the_answer_an_error_or_the_last_attempt() {
        let tries = Cell::new(0);
        let stale_twice = until_written::<_, _, (), _, _>(5, || async {
            tries.set(tries.get() + 1);
            Ok(if tries.get() < 3 { Tried::Stale(tries.get()) } else { Tried::Done("written") })
        });
        assert_eq!(stale_twice.await.map(outcome), Ok(Ok("written")));
        assert_eq!(tries.get(), 3);

        tries.set(0);
        let always_stale = until_written::<(), _, (), _, _>(4, || async {
            tries.set(tries.get() + 1);
            Ok(Tried::Stale(tries.get()))
        });
        assert_eq!(always_stale.await.map(outcome), Ok(Err(4)), "the last refusal is answered");
        assert_eq!(tries.get(), 4);

        tries.set(0);
        let failing = until_written::<(), (), _, _, _>(4, || async {
            tries.set(tries.get() + 1);
            Err("store down")
        });
        assert_eq!(failing.await.map(outcome).err(), Some("store down"));
        assert_eq!(tries.get(), 1, "an error is not tried again");
    }
}
