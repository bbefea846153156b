import { describeDemo } from "./describe";

const status = document.querySelector<HTMLParagraphElement>("#status");
if (status) status.textContent = describeDemo();
