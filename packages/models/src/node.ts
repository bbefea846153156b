export const NODE = true;
