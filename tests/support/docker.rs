//! Whether the docker backend can be tested here, for the test targets that run it.
//!
//! The image comes from `PG_INVARIANTS_IMAGE` (CI sets it to what `ci/postgres-image` prints).
//! Without an engine or an image the docker trials are reported *ignored* with the reason, so a
//! developer without Docker sees that they did not run; with `PG_INVARIANTS_REQUIRE_DOCKER=1`
//! (set by `.ci/run`) they *fail* instead, so CI proves the docker path every time.

use std::process::Command;

use libtest_mimic::{Completion, Failed, Trial};

/// The image to test with, or why the docker backend cannot be tested on this machine.
pub fn image() -> Result<String, String> {
    let image = std::env::var("PG_INVARIANTS_IMAGE")
        .ok()
        .filter(|i| !i.trim().is_empty())
        .ok_or("PG_INVARIANTS_IMAGE is not set (e.g. PG_INVARIANTS_IMAGE=$(ci/postgres-image | tail -1))")?;
    let engine = Command::new("docker")
        .args(["info", "--format", "{{.ServerVersion}}"])
        .output()
        .map_err(|e| format!("no docker command ({e})"))?;
    if !engine.status.success() {
        return Err(format!(
            "no Docker engine answers ({}); ci/docker-engine starts one",
            String::from_utf8_lossy(&engine.stderr).trim()
        ));
    }
    let present = Command::new("docker")
        .args(["image", "inspect", "--format", "{{.Id}}", &image])
        .output()
        .map_err(|e| format!("docker image inspect: {e}"))?;
    if !present.status.success() {
        return Err(format!(
            "the image {image} is not in the engine; ci/postgres-image builds one"
        ));
    }
    Ok(image)
}

/// `PG_INVARIANTS_REQUIRE_DOCKER=1`: docker trials fail rather than skip when they cannot run.
fn required() -> bool {
    std::env::var("PG_INVARIANTS_REQUIRE_DOCKER").is_ok_and(|v| v.trim() == "1")
}

/// What a docker trial does when the docker backend cannot be tested.
#[derive(Clone)]
pub enum Availability {
    Ready(String),
    Skip(String),
    Fail(String),
}

impl Availability {
    /// Looks once per test binary, and says on stderr when the docker trials will not run.
    pub fn detect(target: &str) -> Self {
        match image() {
            Ok(image) => Self::Ready(image),
            Err(why) if required() => {
                eprintln!(
                    "{target}: docker trials will FAIL (PG_INVARIANTS_REQUIRE_DOCKER=1): {why}"
                );
                Self::Fail(why)
            }
            Err(why) => {
                eprintln!("{target}: docker trials skipped: {why}");
                Self::Skip(why)
            }
        }
    }

    /// A trial that runs `test` with the image, or is ignored or failed with the reason.
    pub fn trial(
        &self,
        name: String,
        test: impl FnOnce(&str) -> Result<(), Failed> + Send + 'static,
    ) -> Trial {
        let availability = self.clone();
        Trial::ignorable_test(name, move || match availability {
            Availability::Ready(image) => test(&image).map(|()| Completion::Completed),
            Availability::Skip(why) => Ok(Completion::ignored_with(format!("no docker: {why}"))),
            Availability::Fail(why) => {
                Err(format!("the docker backend cannot be tested: {why}").into())
            }
        })
    }
}
