import {
  type AttributeValue,
  floatInitializer,
  int64Initializer,
  node,
  proto,
  valueInfo,
} from "@charrnn/onnx/graph";

type NodeProto = ReturnType<typeof node>;
type ValueInfoProto = ReturnType<typeof valueInfo>;
type TensorProto = ReturnType<typeof floatInitializer>;

/** The opset the training graphs use (ORT 1.30 runs it on its CPU kernels); IR 8 matches it. */
export const TRAIN_OPSET = 17;
const TRAIN_IR_VERSION = 8;

/**
 * A small ONNX graph builder over @charrnn/onnx's proto helpers: every `op` gets a fresh output
 * name, and constants are interned so that a graph unrolled over hundreds of steps shares them.
 */
export class GraphBuilder {
  private readonly nodes: NodeProto[] = [];
  private readonly initializers: TensorProto[] = [];
  private readonly inputs: ValueInfoProto[] = [];
  private readonly outputs: ValueInfoProto[] = [];
  private readonly constants = new Map<string, string>();
  private count = 0;

  /** Declares a graph input and returns its name. */
  input(name: string, elemType: number, dims: readonly number[]): string {
    this.inputs.push(valueInfo(name, elemType, dims));
    return name;
  }

  /** Declares `value` as the graph output `name`. */
  output(name: string, value: string, elemType: number, dims: readonly number[]): void {
    this.nodes.push(node("Identity", [value], [name], `out_${name}`));
    this.outputs.push(valueInfo(name, elemType, dims));
  }

  /** One node with one output; returns the output's name. */
  op(
    opType: string,
    inputs: readonly string[],
    attributes?: Readonly<Record<string, AttributeValue>>,
  ): string {
    return this.opN(opType, inputs, 1, attributes)[0]!;
  }

  /** One node with `outputs` outputs; returns their names. */
  opN(
    opType: string,
    inputs: readonly string[],
    outputs: number,
    attributes?: Readonly<Record<string, AttributeValue>>,
  ): string[] {
    const id = this.count++;
    const names: string[] = [];
    for (let i = 0; i < outputs; i++) names.push(`v${id}_${i}`);
    this.nodes.push(node(opType, inputs, names, `n${id}_${opType}`, attributes));
    return names;
  }

  /** A float scalar constant. */
  scalar(value: number): string {
    return this.constant(`f:${value}`, () =>
      floatInitializer(`c${this.count++}`, [], Float32Array.of(value)),
    );
  }

  /** A float constant of the given shape. */
  floats(dims: readonly number[], values: readonly number[]): string {
    return this.constant(`fs:${dims}:${values}`, () =>
      floatInitializer(`c${this.count++}`, dims, Float32Array.from(values)),
    );
  }

  /** A 1-D int64 constant (axes, split sizes, shapes). */
  ints(values: readonly number[]): string {
    return this.constant(`i:${values}`, () => int64Initializer(`c${this.count++}`, [values.length], values));
  }

  /** An int64 scalar constant. */
  int(value: number): string {
    return this.constant(`i0:${value}`, () => int64Initializer(`c${this.count++}`, [], [value]));
  }

  /** Serialises the model. */
  build(name: string): Uint8Array {
    return proto.ModelProto.encode({
      irVersion: TRAIN_IR_VERSION,
      opsetImport: [{ domain: "", version: TRAIN_OPSET }],
      producerName: "charrnn-trainer",
      graph: {
        name,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    }).finish();
  }

  private constant(key: string, make: () => TensorProto): string {
    let name = this.constants.get(key);
    if (name === undefined) {
      const tensor = make();
      name = tensor.name!;
      this.initializers.push(tensor);
      this.constants.set(key, name);
    }
    return name;
  }
}
