//! The `build` stage function: runs the jobs that `POST …/build` (or the matching trigger)
//! enqueued. The work itself is `App::run_job` in `shared/app`; this crate binds it to
//! its queue.

use devportal_app::pipeline::WorkerError;
use devportal_app::App;
use devportal_domain::pipeline::{Stage, StageMessage};

/// The stage this function serves.
pub const STAGE: Stage = Stage::Build;

/// Handles one message of this stage's queue.
pub async fn handle(app: App, message: StageMessage) -> Result<(), WorkerError> {
    devportal_worker::handle(&app, STAGE, &message).await
}
