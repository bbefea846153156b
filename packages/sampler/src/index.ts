export type { StepModel, StepResult } from "./step-model";
