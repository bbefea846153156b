export const PACKAGE = "@charrnn/data";
