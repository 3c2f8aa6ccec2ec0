//! `fermyon:spin/variables@2.0.0`: a component reads its own variables.
//! Errors are Spin's: `invalid-name` for a malformed name, `undefined` for
//! a name the component does not declare.

use crate::bindings::variables::{Error, Host};
use crate::state::HostState;
use crate::variables::validate_name;

impl Host for HostState {
    async fn get(&mut self, name: String) -> wasmtime::Result<Result<String, Error>> {
        if let Err(e) = validate_name(&name) {
            let msg = match e {
                crate::variables::VariableError::InvalidName(m) => m,
                other => other.to_string(),
            };
            return Ok(Err(Error::InvalidName(msg)));
        }
        Ok(match self.env.variables.get(&name) {
            Some(v) => Ok(v.clone()),
            None => Err(Error::Undefined(format!(
                "no variable for {:?}.{name:?}",
                self.env.id
            ))),
        })
    }
}
