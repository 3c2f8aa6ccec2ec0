//! Schedules in Redis: set, list, remove, and firing the due ones.

use std::collections::HashMap;

use redis::AsyncCommands;
use redspin_core::ops::{tick_job_id, FireTick};
use redspin_core::QueueKeys;

use super::{ScheduleDef, ScheduleView, Spec, MAX_SCHEDULES};
use crate::client::QueueClient;
use crate::error::{QueueError, Result};
use crate::now_ms;

/// Most due schedules one promoter round fires.
const FIRE_BATCH: isize = 100;

impl QueueClient {
    /// Creates or replaces schedule `def.name` (in `def.queue`; a schedule
    /// of that name in another queue moves). Its next tick is computed from
    /// now; its last run is kept.
    pub async fn schedule_set(&self, def: &ScheduleDef) -> Result<ScheduleView> {
        let spec = def.check()?;
        let mut conn = self.connection().raw();
        let index = self.schema().schedules();
        let old: Option<String> = conn.hget(&index, &def.name).await?;
        if old.is_none() && conn.hlen::<_, u64>(&index).await? >= MAX_SCHEDULES {
            return Err(QueueError::Config(format!(
                "at most {MAX_SCHEDULES} schedules; remove one first"
            )));
        }
        if let Some(old_queue) = old.filter(|q| *q != def.queue) {
            self.forget(&self.schema().queue(&old_queue)?, &def.name)
                .await?;
        }
        let q = self.schema().queue(&def.queue)?;
        let next = spec.next_after(now_ms());
        let json = serde_json::to_string(def).map_err(redspin_core::CoreError::from)?;
        let next_field = next.map(|n| n.to_string()).unwrap_or_default();
        let _: () = conn
            .hset_multiple(
                q.schedule(&def.name),
                &[("def", json), ("next_run_at", next_field)],
            )
            .await?;
        match next {
            Some(n) => {
                conn.zadd::<_, _, _, ()>(q.schedules_due(), &def.name, n)
                    .await?
            }
            None => conn.zrem::<_, _, ()>(q.schedules_due(), &def.name).await?,
        }
        let _: () = conn.hset(&index, &def.name, &def.queue).await?;
        self.register_queue(&def.queue).await?;
        self.schedule_view(&q, &def.name).await?.ok_or_else(|| {
            QueueError::Config(format!("schedule {} vanished while being set", def.name))
        })
    }

    /// Every schedule, by name.
    pub async fn schedule_list(&self) -> Result<Vec<ScheduleView>> {
        let index: HashMap<String, String> = self
            .connection()
            .raw()
            .hgetall(self.schema().schedules())
            .await?;
        let mut out = Vec::with_capacity(index.len());
        for (name, queue) in index {
            let Ok(q) = self.schema().queue(&queue) else {
                continue;
            };
            if let Some(v) = self.schedule_view(&q, &name).await? {
                out.push(v);
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// Removes schedule `name`; false when there was none. Jobs it already
    /// created stay.
    pub async fn schedule_remove(&self, name: &str) -> Result<bool> {
        let mut conn = self.connection().raw();
        let index = self.schema().schedules();
        let Some(queue): Option<String> = conn.hget(&index, name).await? else {
            return Ok(false);
        };
        if let Ok(q) = self.schema().queue(&queue) {
            self.forget(&q, name).await?;
        }
        let _: () = conn.hdel(&index, name).await?;
        Ok(true)
    }

    async fn forget(&self, q: &QueueKeys, name: &str) -> Result<()> {
        let mut conn = self.connection().raw();
        let _: () = conn.zrem(q.schedules_due(), name).await?;
        let _: () = conn.del(q.schedule(name)).await?;
        Ok(())
    }

    async fn schedule_view(&self, q: &QueueKeys, name: &str) -> Result<Option<ScheduleView>> {
        let h: HashMap<String, String> = self.connection().raw().hgetall(q.schedule(name)).await?;
        if h.is_empty() {
            return Ok(None);
        }
        let time = |f: &str| h.get(f).and_then(|v| v.parse::<u64>().ok());
        let def = h.get("def").map(|d| serde_json::from_str::<ScheduleDef>(d));
        let mut view = ScheduleView {
            name: name.to_owned(),
            cron: String::new(),
            tz: String::new(),
            kind: String::new(),
            queue: q.name().to_owned(),
            next_run_at: time("next_run_at"),
            last_run_at: time("last_run_at"),
            problem: None,
        };
        match def {
            Some(Ok(d)) => (view.cron, view.tz, view.kind) = (d.cron, d.tz, d.kind),
            _ => view.problem = Some("its stored definition is unreadable".into()),
        }
        Ok(Some(view))
    }

    /// Fires `queue`'s schedules that are due: one job per tick (the latest
    /// tick at or before now: missed ticks give one catch-up run). Returns
    /// the jobs this call created. A schedule whose stored definition does
    /// not parse leaves the due set: it stops ticking, and `schedule list`
    /// shows why.
    pub async fn fire_due_schedules(&self, q: &QueueKeys, now: u64) -> Result<usize> {
        let mut conn = self.connection().raw();
        let due: Vec<(String, u64)> = conn
            .zrangebyscore_limit_withscores(q.schedules_due(), "-inf", now, 0, FIRE_BATCH)
            .await?;
        let mut created = 0;
        for (name, due_ms) in due {
            let raw: Option<String> = conn.hget(q.schedule(&name), "def").await?;
            let parsed = raw.as_deref().map(serde_json::from_str::<ScheduleDef>);
            let Some(Ok(def)) = parsed else {
                let _: () = conn.zrem(q.schedules_due(), &name).await?;
                continue;
            };
            let Ok(spec) = Spec::parse(&def.cron, &def.tz) else {
                let _: () = conn.zrem(q.schedules_due(), &name).await?;
                continue;
            };
            let (tick, next) = spec.catch_up(due_ms, now);
            let Ok(mut job) = def.new_job().into_job(uuid::Uuid::nil(), now) else {
                let _: () = conn.zrem(q.schedules_due(), &name).await?;
                continue;
            };
            job.id = tick_job_id(q.name(), &name, tick);
            job.run_at = tick;
            let op = FireTick {
                queue: q,
                name: &name,
                due_ms,
                next_ms: next,
                job: &job,
                now_ms: now,
            };
            if self.connection().run(&op).await? {
                created += 1;
            }
        }
        Ok(created)
    }
}
