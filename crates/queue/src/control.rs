//! The operator's switches on a queue: pause, resume and limits
//! ([`redspin_core::ops::SetControl`]), honoured by every worker's claim.

use redspin_core::ops::{GetControl, Limits, QueueControl, SetControl};

use crate::client::QueueClient;
use crate::error::Result;

impl QueueClient {
    /// The queue's switches as they stand.
    pub async fn control(&self, queue: &str) -> Result<QueueControl> {
        let q = self.schema().queue(queue)?;
        self.connection().run(&GetControl { queue: &q }).await
    }

    /// No job of `queue` starts until [`resume`](Self::resume); running
    /// ones finish, delayed ones still become ready.
    pub async fn pause(&self, queue: &str) -> Result<()> {
        self.set_control(queue, |q| SetControl::Pause(q)).await
    }

    pub async fn resume(&self, queue: &str) -> Result<()> {
        self.set_control(queue, |q| SetControl::Resume(q)).await
    }

    /// Sets the limits given (the others stay).
    pub async fn limit(&self, queue: &str, limits: Limits) -> Result<()> {
        self.set_control(queue, |q| SetControl::Limit(q, limits))
            .await
    }

    pub async fn clear_limits(&self, queue: &str) -> Result<()> {
        self.set_control(queue, |q| SetControl::ClearLimits(q))
            .await
    }

    async fn set_control(
        &self,
        queue: &str,
        op: impl for<'q> FnOnce(&'q redspin_core::QueueKeys) -> SetControl<'q>,
    ) -> Result<()> {
        let q = self.schema().queue(queue)?;
        self.register_queue(queue).await?;
        self.connection().run(&op(&q)).await
    }
}
