import { byId } from "./dom";
import {
  cliCommand,
  DEFAULT_FORM,
  type DemoSettings,
  type FieldError,
  parseSettings,
  type SettingsForm,
} from "./options";

const FIELDS = Object.keys(DEFAULT_FORM) as (keyof DemoSettings)[];

type Control = HTMLInputElement | HTMLTextAreaElement;

/** The generation form: fills in defaults, reads and validates it, marks bad fields, shows the CLI line. */
export function createSettingsForm(modelName: () => string) {
  const control = (field: keyof DemoSettings) => byId<Control>(field);
  for (const field of FIELDS) control(field).value = DEFAULT_FORM[field];

  const showErrors = (errors: readonly FieldError[]) => {
    for (const field of FIELDS) {
      const error = errors.find((e) => e.field === field);
      const message = byId(`${field}-error`);
      message.hidden = error === undefined;
      message.textContent = error?.message ?? "";
      if (error) control(field).setAttribute("aria-invalid", "true");
      else control(field).removeAttribute("aria-invalid");
    }
  };

  const read = (): DemoSettings | undefined => {
    const form = Object.fromEntries(FIELDS.map((f) => [f, control(f).value])) as SettingsForm;
    const parsed = parseSettings(form);
    showErrors(parsed.ok ? [] : parsed.errors);
    byId("cli").textContent = parsed.ok ? cliCommand(parsed.settings, modelName()) : "(fix the fields above)";
    if (!parsed.ok) control(parsed.errors[0]!.field).focus();
    return parsed.ok ? parsed.settings : undefined;
  };

  return {
    read,
    /** Marks one field as wrong (a check that needs the model, e.g. the prime's characters). */
    fail(field: keyof DemoSettings, message: string) {
      showErrors([{ field, message }]);
      control(field).focus();
    },
    /** Updates the CLI line without marking errors while the user types. */
    refreshCli() {
      const form = Object.fromEntries(FIELDS.map((f) => [f, control(f).value])) as SettingsForm;
      const parsed = parseSettings(form);
      if (parsed.ok) byId("cli").textContent = cliCommand(parsed.settings, modelName());
    },
  };
}
