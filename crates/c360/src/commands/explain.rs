//! `c360 explain CODE`

use std::process::ExitCode;

use c360_diagnostics::{Code, REGISTRY};
use c360_sema::closest;

/// Prints the long explanation of `code`; exit 2 for an unknown code.
pub fn run(code: &str) -> ExitCode {
    match Code::parse(code) {
        Some(code) => {
            print!("{}", code.info().explanation);
            ExitCode::SUCCESS
        }
        None => {
            eprintln!("error: `{code}` is not a c360 diagnostic code");
            let upper = code.trim().to_uppercase();
            if let Some(near) = closest(&upper, REGISTRY.iter().map(|i| i.code.as_str())) {
                eprintln!("help: did you mean `{near}`?");
            } else {
                eprintln!(
                    "help: codes look like `E0108` (errors) or `W0001` (warnings); there are {} of them, from {} to {}",
                    REGISTRY.len(),
                    REGISTRY[0].code,
                    REGISTRY[REGISTRY.len() - 1].code
                );
            }
            ExitCode::from(2)
        }
    }
}
