//! A component reads its own variables: `fermyon:spin/variables@2.0.0`,
//! `spin:variables/variables@3.0.0` and `wasi:config/store`, as Spin's
//! `factor-variables` serves them. Errors are Spin's: `invalid-name` for a
//! malformed name, `undefined` for a name the component does not declare;
//! `wasi:config/store` answers `none` for both (the interface's guidance,
//! which Spin follows) and `get-all` lists every variable of the component.

use wasmtime::component::{Accessor, HasSelf};

use crate::bindings::{v3, variables as v2, wasi_config};
use crate::state::{ComponentEnv, HostState};
use crate::variables::{validate_name, VariableError};

/// Why a variable could not be read, in the variants every generation has.
enum Failure {
    InvalidName(String),
    Undefined(String),
}

/// The value of `name` for `env`'s component; a failure marks the current
/// span failed, the guest to blame (as Spin does).
fn lookup(env: &ComponentEnv, name: &str) -> Result<String, Failure> {
    let found = find(env, name);
    if let Err(Failure::InvalidName(m) | Failure::Undefined(m)) = &found {
        redspin_telemetry::propagation::mark_error(&tracing::Span::current(), m, "guest");
    }
    found
}

fn find(env: &ComponentEnv, name: &str) -> Result<String, Failure> {
    if let Err(e) = validate_name(name) {
        return Err(Failure::InvalidName(match e {
            VariableError::InvalidName(m) => m,
            other => other.to_string(),
        }));
    }
    env.variables
        .get(name)
        .cloned()
        .ok_or_else(|| Failure::Undefined(format!("no variable for {:?}.{name:?}", env.id)))
}

impl v2::Host for HostState {
    #[tracing::instrument(name = "spin_variables.get", skip(self), fields(otel.kind = "client"))]
    async fn get(&mut self, key: String) -> wasmtime::Result<Result<String, v2::Error>> {
        Ok(lookup(&self.env, &key).map_err(|f| match f {
            Failure::InvalidName(m) => v2::Error::InvalidName(m),
            Failure::Undefined(m) => v2::Error::Undefined(m),
        }))
    }
}

impl v3::variables::Host for HostState {}

impl<T: Send> v3::variables::HostWithStore<T> for HasSelf<HostState> {
    #[tracing::instrument(name = "spin_variables.get", skip(a), fields(otel.kind = "client"))]
    async fn get(
        a: &Accessor<T, Self>,
        key: String,
    ) -> wasmtime::Result<Result<String, v3::variables::Error>> {
        let env = a.with(|mut a| a.get().env.clone());
        Ok(lookup(&env, &key).map_err(|f| match f {
            Failure::InvalidName(m) => v3::variables::Error::InvalidName(m),
            Failure::Undefined(m) => v3::variables::Error::Undefined(m),
        }))
    }
}

impl wasi_config::Host for HostState {
    #[tracing::instrument(name = "wasi_config.get", skip(self), fields(otel.kind = "client"))]
    async fn get(
        &mut self,
        key: String,
    ) -> wasmtime::Result<Result<Option<String>, wasi_config::Error>> {
        Ok(Ok(lookup(&self.env, &key).ok()))
    }

    #[tracing::instrument(name = "wasi_config.get_all", skip(self), fields(otel.kind = "client"))]
    async fn get_all(
        &mut self,
    ) -> wasmtime::Result<Result<Vec<(String, String)>, wasi_config::Error>> {
        let mut all: Vec<_> = self
            .env
            .variables
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        all.sort();
        Ok(Ok(all))
    }
}
