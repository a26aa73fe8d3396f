//! Step 3, application: the program and its arguments. Arguments are split into an argument
//! vector here, with shell quoting rules but never by a shell.

use crate::validation::{check_line, ValidationErrors};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ApplicationConfig {
    /// The program, e.g. `python`.
    pub command: String,
    /// Arguments, e.g. `main.py run` (quotes group words; no shell expansion happens).
    pub arguments: String,
    /// Extra arguments used only for the build-time health check, e.g. `--health-check`.
    pub health_check: String,
}

impl ApplicationConfig {
    pub fn parse(command: Option<&str>, arguments: Option<&str>, health_check: Option<&str>) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let command = command.unwrap_or("").trim().to_string();
        check_line(&mut errors, "command", &command, true, 200);
        if errors.is_empty() && command.chars().any(char::is_whitespace) {
            errors.push("command", "invalid_format", "`command` is one program name or path; put arguments in `arguments`");
        }
        if command.starts_with('-') {
            errors.push("command", "invalid_format", "`command` must not start with `-`");
        }
        let arguments = arguments.unwrap_or("").trim().to_string();
        let health_check = health_check.unwrap_or("").trim().to_string();
        for (field, value) in [("arguments", &arguments), ("health_check", &health_check)] {
            check_line(&mut errors, field, value, false, 2_000);
            if shell_words::split(value).is_err() {
                errors.push(field, "invalid_quoting", format!("`{field}` has an unbalanced quote"));
            }
        }
        errors.finish(ApplicationConfig { command, arguments, health_check })
    }

    /// `command` followed by `arguments`, as the runtime starts it.
    pub fn argv(&self) -> Vec<String> {
        let mut argv = vec![self.command.clone()];
        argv.extend(split(&self.arguments));
        argv
    }

    /// `command arguments health_check`, as the build runs the health check.
    pub fn health_check_argv(&self) -> Vec<String> {
        let mut argv = self.argv();
        argv.extend(split(&self.health_check));
        argv
    }
}

fn split(s: &str) -> Vec<String> {
    // Parsing succeeded when the configuration was saved.
    shell_words::split(s).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_is_required_and_one_word() {
        assert_eq!(ApplicationConfig::parse(None, None, None).unwrap_err().fields[0].field, "command");
        assert_eq!(ApplicationConfig::parse(Some("python main.py"), None, None).unwrap_err().fields[0].field, "command");
        assert!(ApplicationConfig::parse(Some("/usr/bin/python3"), None, None).is_ok());
    }

    #[test]
    fn arguments_split_like_a_shell_without_expansion() {
        let a = ApplicationConfig::parse(Some("python"), Some("main.py run 'two words' $HOME;rm"), Some("--health-check")).unwrap();
        assert_eq!(a.argv(), ["python", "main.py", "run", "two words", "$HOME;rm"]);
        assert_eq!(a.health_check_argv().last().unwrap(), "--health-check");
    }

    #[test]
    fn unbalanced_quotes_are_refused() {
        let e = ApplicationConfig::parse(Some("python"), Some("'open"), Some("\"x")).unwrap_err();
        let fields: Vec<_> = e.fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["arguments", "health_check"]);
    }
}
