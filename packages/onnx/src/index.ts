export const PACKAGE = "@charrnn/onnx";
