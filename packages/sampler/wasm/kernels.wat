;; SIMD kernels of the sampler's WebAssembly engine (src/wasm-engine.ts drives them).
;; Assembled at build time by scripts/build-wasm.mjs (npm `wabt`) into src/generated/kernels-wasm.ts.
;;
;; Conventions: every pointer is a byte offset into the exported memory; strides and sizes are in
;; elements. Weight matrices are row-major `[rows, cols]` with `cols` padded to a multiple of 16 (zeros),
;; and every input vector is padded the same way, so the inner loops have no tails. Gate blocks are
;; padded to `hp` (a multiple of 16) with zero weights and biases: padded lanes of h and c stay 0.
;; There is no fused multiply-add in WebAssembly SIMD (relaxed-simd is not everywhere yet): mul + add.
(module
  (memory (export "memory") 1)

  ;; [Σa, Σb, Σc, Σd] of four f32x4 vectors.
  (func $hsum4 (param $a v128) (param $b v128) (param $c v128) (param $d v128) (result v128)
    (local $ab v128) (local $cd v128)
    ;; ab = [a0+a2, b0+b2, a1+a3, b1+b3]
    (local.set $ab (f32x4.add
      (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $a) (local.get $b))
      (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $a) (local.get $b))))
    (local.set $cd (f32x4.add
      (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $c) (local.get $d))
      (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $c) (local.get $d))))
    (f32x4.add
      (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $ab) (local.get $cd))
      (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $ab) (local.get $cd))))

  ;; The same for i32x4.
  (func $hsum4i (param $a v128) (param $b v128) (param $c v128) (param $d v128) (result v128)
    (local $ab v128) (local $cd v128)
    (local.set $ab (i32x4.add
      (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $a) (local.get $b))
      (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $a) (local.get $b))))
    (local.set $cd (i32x4.add
      (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $c) (local.get $d))
      (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $c) (local.get $d))))
    (i32x4.add
      (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $ab) (local.get $cd))
      (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $ab) (local.get $cd))))

  (func $hsum (param $a v128) (result f32)
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $a)) (f32x4.extract_lane 1 (local.get $a)))
      (f32.add (f32x4.extract_lane 2 (local.get $a)) (f32x4.extract_lane 3 (local.get $a)))))

  (func $hsumi (param $a v128) (result i32)
    (i32.add
      (i32.add (i32x4.extract_lane 0 (local.get $a)) (i32x4.extract_lane 1 (local.get $a)))
      (i32.add (i32x4.extract_lane 2 (local.get $a)) (i32x4.extract_lane 3 (local.get $a)))))

  ;; Stores 4 outputs at $p, or adds them to what is there.
  (func $put4 (param $p i32) (param $v v128) (param $acc i32)
    (if (local.get $acc)
      (then (v128.store (local.get $p) (f32x4.add (v128.load (local.get $p)) (local.get $v))))
      (else (v128.store (local.get $p) (local.get $v)))))

  (func $put1 (param $p i32) (param $v f32) (param $acc i32)
    (if (local.get $acc)
      (then (f32.store (local.get $p) (f32.add (f32.load (local.get $p)) (local.get $v))))
      (else (f32.store (local.get $p) (local.get $v)))))

  ;; out[b·os + j] (=|+=) bias[j] + Σ_k w[j, k] · x[b·xs + k], for j < rows, b < batch.
  ;; Weights come packed (src/wasm-pack.ts): each group of 4 rows as consecutive 16-float tiles
  ;; [row 0, cols k..k+3 | row 1 … | row 2 … | row 3 …], so one pointer walks a group with constant
  ;; load offsets and the hardware prefetcher sees one stream; the last rows % 4 rows stay row-major.
  ;; Tiles: 4 rows × 2 streams (8 accumulators; each loaded weight feeds 2 streams, each loaded input
  ;; 4 rows), and 4 rows × 1 stream, 8 columns a turn, for the last odd stream (batch 1). A 4-row
  ;; group (8 KiB at 512 columns) stays in L1 while every stream passes through it.
  (func (export "affine")
    (param $w i32) (param $bias i32) (param $rows i32) (param $cols i32)
    (param $x i32) (param $xs i32) (param $batch i32) (param $out i32) (param $os i32) (param $acc i32)
    (local $rb i32) (local $j i32) (local $b i32) (local $k i32)
    (local $w0 i32) (local $p i32)
    (local $x0 i32) (local $x1 i32) (local $o i32) (local $bv v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (local $v v128) (local $y0 v128) (local $y1 v128)
    (local.set $rb (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $xs (i32.shl (local.get $xs) (i32.const 2)))
    (local.set $os (i32.shl (local.get $os) (i32.const 2)))
    (block $rows_done
      (loop $rows4
        (br_if $rows_done (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $rows)))
        (local.set $w0 (i32.add (local.get $w) (i32.mul (local.get $j) (local.get $rb))))
        (local.set $bv (v128.load (i32.add (local.get $bias) (i32.shl (local.get $j) (i32.const 2)))))
        (local.set $b (i32.const 0))
        (block $pairs_done
          (loop $pairs
            (br_if $pairs_done (i32.gt_u (i32.add (local.get $b) (i32.const 2)) (local.get $batch)))
            (local.set $x0 (i32.add (local.get $x) (i32.mul (local.get $b) (local.get $xs))))
            (local.set $x1 (i32.add (local.get $x0) (local.get $xs)))
            (local.set $a0 (v128.const i32x4 0 0 0 0))
            (local.set $a1 (v128.const i32x4 0 0 0 0))
            (local.set $a2 (v128.const i32x4 0 0 0 0))
            (local.set $a3 (v128.const i32x4 0 0 0 0))
            (local.set $a4 (v128.const i32x4 0 0 0 0))
            (local.set $a5 (v128.const i32x4 0 0 0 0))
            (local.set $a6 (v128.const i32x4 0 0 0 0))
            (local.set $a7 (v128.const i32x4 0 0 0 0))
            (local.set $p (local.get $w0))
            (local.set $k (i32.const 0))
            (loop $k2
              (local.set $y0 (v128.load (i32.add (local.get $x0) (local.get $k))))
              (local.set $y1 (v128.load (i32.add (local.get $x1) (local.get $k))))
              (local.set $v (v128.load (local.get $p)))
              (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $v) (local.get $y0))))
              (local.set $a4 (f32x4.add (local.get $a4) (f32x4.mul (local.get $v) (local.get $y1))))
              (local.set $v (v128.load offset=16 (local.get $p)))
              (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $v) (local.get $y0))))
              (local.set $a5 (f32x4.add (local.get $a5) (f32x4.mul (local.get $v) (local.get $y1))))
              (local.set $v (v128.load offset=32 (local.get $p)))
              (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $v) (local.get $y0))))
              (local.set $a6 (f32x4.add (local.get $a6) (f32x4.mul (local.get $v) (local.get $y1))))
              (local.set $v (v128.load offset=48 (local.get $p)))
              (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $v) (local.get $y0))))
              (local.set $a7 (f32x4.add (local.get $a7) (f32x4.mul (local.get $v) (local.get $y1))))
              (local.set $p (i32.add (local.get $p) (i32.const 64)))
              (local.set $k (i32.add (local.get $k) (i32.const 16)))
              (br_if $k2 (i32.lt_u (local.get $k) (local.get $rb))))
            (local.set $o (i32.add (i32.add (local.get $out) (i32.mul (local.get $b) (local.get $os)))
              (i32.shl (local.get $j) (i32.const 2))))
            (call $put4 (local.get $o)
              (f32x4.add (local.get $bv)
                (call $hsum4 (local.get $a0) (local.get $a1) (local.get $a2) (local.get $a3)))
              (local.get $acc))
            (call $put4 (i32.add (local.get $o) (local.get $os))
              (f32x4.add (local.get $bv)
                (call $hsum4 (local.get $a4) (local.get $a5) (local.get $a6) (local.get $a7)))
              (local.get $acc))
            (local.set $b (i32.add (local.get $b) (i32.const 2)))
            (br $pairs)))
        (if (i32.lt_u (local.get $b) (local.get $batch))
          (then
            (local.set $x0 (i32.add (local.get $x) (i32.mul (local.get $b) (local.get $xs))))
            (local.set $a0 (v128.const i32x4 0 0 0 0))
            (local.set $a1 (v128.const i32x4 0 0 0 0))
            (local.set $a2 (v128.const i32x4 0 0 0 0))
            (local.set $a3 (v128.const i32x4 0 0 0 0))
            (local.set $p (local.get $w0))
            (local.set $x1 (i32.add (local.get $x0) (local.get $rb)))
            ;; 8 columns a turn, one accumulator per row, the two products summed before the
            ;; accumulator: V8 issues a turn's loads first, and 10 loads + 4 accumulators fit the 16
            ;; SIMD registers (16 columns into 8 accumulators spilled to the stack and ran at half speed).
            (loop $k1
              (local.set $y0 (v128.load (local.get $x0)))
              (local.set $y1 (v128.load offset=16 (local.get $x0)))
              (local.set $a0 (f32x4.add (local.get $a0) (f32x4.add
                (f32x4.mul (v128.load (local.get $p)) (local.get $y0))
                (f32x4.mul (v128.load offset=64 (local.get $p)) (local.get $y1)))))
              (local.set $a1 (f32x4.add (local.get $a1) (f32x4.add
                (f32x4.mul (v128.load offset=16 (local.get $p)) (local.get $y0))
                (f32x4.mul (v128.load offset=80 (local.get $p)) (local.get $y1)))))
              (local.set $a2 (f32x4.add (local.get $a2) (f32x4.add
                (f32x4.mul (v128.load offset=32 (local.get $p)) (local.get $y0))
                (f32x4.mul (v128.load offset=96 (local.get $p)) (local.get $y1)))))
              (local.set $a3 (f32x4.add (local.get $a3) (f32x4.add
                (f32x4.mul (v128.load offset=48 (local.get $p)) (local.get $y0))
                (f32x4.mul (v128.load offset=112 (local.get $p)) (local.get $y1)))))
              (local.set $p (i32.add (local.get $p) (i32.const 128)))
              (local.set $x0 (i32.add (local.get $x0) (i32.const 32)))
              (br_if $k1 (i32.lt_u (local.get $x0) (local.get $x1))))
            (call $put4
              (i32.add (i32.add (local.get $out) (i32.mul (local.get $b) (local.get $os)))
                (i32.shl (local.get $j) (i32.const 2)))
              (f32x4.add (local.get $bv)
                (call $hsum4 (local.get $a0) (local.get $a1) (local.get $a2) (local.get $a3)))
              (local.get $acc))))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $rows4)))
    ;; The last rows % 4 rows, one row × one stream at a time.
    (block $tail_done
      (loop $tail
        (br_if $tail_done (i32.ge_u (local.get $j) (local.get $rows)))
        (local.set $w0 (i32.add (local.get $w) (i32.mul (local.get $j) (local.get $rb))))
        (local.set $b (i32.const 0))
        (block $streams_done
          (loop $streams
            (br_if $streams_done (i32.ge_u (local.get $b) (local.get $batch)))
            (local.set $x0 (i32.add (local.get $x) (i32.mul (local.get $b) (local.get $xs))))
            (local.set $a0 (v128.const i32x4 0 0 0 0))
            (local.set $k (i32.const 0))
            (loop $k0
              (local.set $a0 (f32x4.add (local.get $a0)
                (f32x4.mul (v128.load (i32.add (local.get $w0) (local.get $k)))
                  (v128.load (i32.add (local.get $x0) (local.get $k))))))
              (local.set $k (i32.add (local.get $k) (i32.const 16)))
              (br_if $k0 (i32.lt_u (local.get $k) (local.get $rb))))
            (call $put1
              (i32.add (i32.add (local.get $out) (i32.mul (local.get $b) (local.get $os)))
                (i32.shl (local.get $j) (i32.const 2)))
              (f32.add (f32.load (i32.add (local.get $bias) (i32.shl (local.get $j) (i32.const 2))))
                (call $hsum (local.get $a0)))
              (local.get $acc))
            (local.set $b (i32.add (local.get $b) (i32.const 1)))
            (br $streams)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $tail))))

  ;; Int8 weights with a float32 scale per row, inputs quantized to int16 per stream by $quantize:
  ;; out[b·os + j] (=|+=) bias[j] + ws[j] · xsc[b] · Σ_k w[j·cols + k] · q[b·qs + k].
  ;; i32x4.dot_i16x8_s does 8 multiply-adds per instruction in exact integer arithmetic; $quantize
  ;; picks the int16 range so the int32 sums cannot overflow. Same tiles as $affine.
  (func (export "affine_i8")
    (param $w i32) (param $ws i32) (param $bias i32) (param $rows i32) (param $cols i32)
    (param $q i32) (param $qs i32) (param $xsc i32) (param $batch i32) (param $out i32) (param $os i32)
    (param $acc i32)
    (local $j i32) (local $b i32) (local $k i32)
    (local $w0 i32) (local $w1 i32) (local $w2 i32) (local $w3 i32)
    (local $x0 i32) (local $x1 i32) (local $o i32) (local $bv v128) (local $sv v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (local $v v128) (local $lo v128) (local $hi v128)
    (local $y0 v128) (local $y1 v128) (local $y2 v128) (local $y3 v128)
    (local.set $qs (i32.shl (local.get $qs) (i32.const 1)))
    (local.set $os (i32.shl (local.get $os) (i32.const 2)))
    (block $rows_done
      (loop $rows4
        (br_if $rows_done (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $rows)))
        (local.set $w0 (i32.add (local.get $w) (i32.mul (local.get $j) (local.get $cols))))
        (local.set $w1 (i32.add (local.get $w0) (local.get $cols)))
        (local.set $w2 (i32.add (local.get $w1) (local.get $cols)))
        (local.set $w3 (i32.add (local.get $w2) (local.get $cols)))
        (local.set $bv (v128.load (i32.add (local.get $bias) (i32.shl (local.get $j) (i32.const 2)))))
        (local.set $sv (v128.load (i32.add (local.get $ws) (i32.shl (local.get $j) (i32.const 2)))))
        (local.set $b (i32.const 0))
        (block $pairs_done
          (loop $pairs
            (br_if $pairs_done (i32.gt_u (i32.add (local.get $b) (i32.const 2)) (local.get $batch)))
            (local.set $x0 (i32.add (local.get $q) (i32.mul (local.get $b) (local.get $qs))))
            (local.set $x1 (i32.add (local.get $x0) (local.get $qs)))
            (local.set $a0 (v128.const i32x4 0 0 0 0))
            (local.set $a1 (v128.const i32x4 0 0 0 0))
            (local.set $a2 (v128.const i32x4 0 0 0 0))
            (local.set $a3 (v128.const i32x4 0 0 0 0))
            (local.set $a4 (v128.const i32x4 0 0 0 0))
            (local.set $a5 (v128.const i32x4 0 0 0 0))
            (local.set $a6 (v128.const i32x4 0 0 0 0))
            (local.set $a7 (v128.const i32x4 0 0 0 0))
            (local.set $k (i32.const 0))
            (loop $k2
              (local.set $y0 (v128.load (i32.add (local.get $x0) (i32.shl (local.get $k) (i32.const 1)))))
              (local.set $y1 (v128.load offset=16 (i32.add (local.get $x0) (i32.shl (local.get $k) (i32.const 1)))))
              (local.set $y2 (v128.load (i32.add (local.get $x1) (i32.shl (local.get $k) (i32.const 1)))))
              (local.set $y3 (v128.load offset=16 (i32.add (local.get $x1) (i32.shl (local.get $k) (i32.const 1)))))
              (local.set $v (v128.load (i32.add (local.get $w0) (local.get $k))))
              (local.set $lo (i16x8.extend_low_i8x16_s (local.get $v)))
              (local.set $hi (i16x8.extend_high_i8x16_s (local.get $v)))
              (local.set $a0 (i32x4.add (local.get $a0) (i32x4.add
                (i32x4.dot_i16x8_s (local.get $lo) (local.get $y0)) (i32x4.dot_i16x8_s (local.get $hi) (local.get $y1)))))
              (local.set $a4 (i32x4.add (local.get $a4) (i32x4.add
                (i32x4.dot_i16x8_s (local.get $lo) (local.get $y2)) (i32x4.dot_i16x8_s (local.get $hi) (local.get $y3)))))
              (local.set $v (v128.load (i32.add (local.get $w1) (local.get $k))))
              (local.set $lo (i16x8.extend_low_i8x16_s (local.get $v)))
              (local.set $hi (i16x8.extend_high_i8x16_s (local.get $v)))
              (local.set $a1 (i32x4.add (local.get $a1) (i32x4.add
                (i32x4.dot_i16x8_s (local.get $lo) (local.get $y0)) (i32x4.dot_i16x8_s (local.get $hi) (local.get $y1)))))
              (local.set $a5 (i32x4.add (local.get $a5) (i32x4.add
                (i32x4.dot_i16x8_s (local.get $lo) (local.get $y2)) (i32x4.dot_i16x8_s (local.get $hi) (local.get $y3)))))
              (local.set $v (v128.load (i32.add (local.get $w2) (local.get $k))))
              (local.set $lo (i16x8.extend_low_i8x16_s (local.get $v)))
              (local.set $hi (i16x8.extend_high_i8x16_s (local.get $v)))
              (local.set $a2 (i32x4.add (local.get $a2) (i32x4.add
                (i32x4.dot_i16x8_s (local.get $lo) (local.get $y0)) (i32x4.dot_i16x8_s (local.get $hi) (local.get $y1)))))
              (local.set $a6 (i32x4.add (local.get $a6) (i32x4.add
                (i32x4.dot_i16x8_s (local.get $lo) (local.get $y2)) (i32x4.dot_i16x8_s (local.get $hi) (local.get $y3)))))
              (local.set $v (v128.load (i32.add (local.get $w3) (local.get $k))))
              (local.set $lo (i16x8.extend_low_i8x16_s (local.get $v)))
              (local.set $hi (i16x8.extend_high_i8x16_s (local.get $v)))
              (local.set $a3 (i32x4.add (local.get $a3) (i32x4.add
                (i32x4.dot_i16x8_s (local.get $lo) (local.get $y0)) (i32x4.dot_i16x8_s (local.get $hi) (local.get $y1)))))
              (local.set $a7 (i32x4.add (local.get $a7) (i32x4.add
                (i32x4.dot_i16x8_s (local.get $lo) (local.get $y2)) (i32x4.dot_i16x8_s (local.get $hi) (local.get $y3)))))
              (local.set $k (i32.add (local.get $k) (i32.const 16)))
              (br_if $k2 (i32.lt_u (local.get $k) (local.get $cols))))
            (local.set $o (i32.add (i32.add (local.get $out) (i32.mul (local.get $b) (local.get $os)))
              (i32.shl (local.get $j) (i32.const 2))))
            (call $put4 (local.get $o)
              (f32x4.add (local.get $bv)
                (f32x4.mul
                  (f32x4.mul (local.get $sv)
                    (v128.load32_splat (i32.add (local.get $xsc) (i32.shl (local.get $b) (i32.const 2)))))
                  (f32x4.convert_i32x4_s
                    (call $hsum4i (local.get $a0) (local.get $a1) (local.get $a2) (local.get $a3)))))
              (local.get $acc))
            (call $put4 (i32.add (local.get $o) (local.get $os))
              (f32x4.add (local.get $bv)
                (f32x4.mul
                  (f32x4.mul (local.get $sv)
                    (v128.load32_splat offset=4 (i32.add (local.get $xsc) (i32.shl (local.get $b) (i32.const 2)))))
                  (f32x4.convert_i32x4_s
                    (call $hsum4i (local.get $a4) (local.get $a5) (local.get $a6) (local.get $a7)))))
              (local.get $acc))
            (local.set $b (i32.add (local.get $b) (i32.const 2)))
            (br $pairs)))
        (if (i32.lt_u (local.get $b) (local.get $batch))
          (then
            (local.set $x0 (i32.add (local.get $q) (i32.mul (local.get $b) (local.get $qs))))
            (local.set $a0 (v128.const i32x4 0 0 0 0))
            (local.set $a1 (v128.const i32x4 0 0 0 0))
            (local.set $a2 (v128.const i32x4 0 0 0 0))
            (local.set $a3 (v128.const i32x4 0 0 0 0))
            (local.set $k (i32.const 0))
            (loop $k1
              (local.set $y0 (v128.load (i32.add (local.get $x0) (i32.shl (local.get $k) (i32.const 1)))))
              (local.set $y1 (v128.load offset=16 (i32.add (local.get $x0) (i32.shl (local.get $k) (i32.const 1)))))
              (local.set $v (v128.load (i32.add (local.get $w0) (local.get $k))))
              (local.set $a0 (i32x4.add (local.get $a0) (i32x4.add
                (i32x4.dot_i16x8_s (i16x8.extend_low_i8x16_s (local.get $v)) (local.get $y0))
                (i32x4.dot_i16x8_s (i16x8.extend_high_i8x16_s (local.get $v)) (local.get $y1)))))
              (local.set $v (v128.load (i32.add (local.get $w1) (local.get $k))))
              (local.set $a1 (i32x4.add (local.get $a1) (i32x4.add
                (i32x4.dot_i16x8_s (i16x8.extend_low_i8x16_s (local.get $v)) (local.get $y0))
                (i32x4.dot_i16x8_s (i16x8.extend_high_i8x16_s (local.get $v)) (local.get $y1)))))
              (local.set $v (v128.load (i32.add (local.get $w2) (local.get $k))))
              (local.set $a2 (i32x4.add (local.get $a2) (i32x4.add
                (i32x4.dot_i16x8_s (i16x8.extend_low_i8x16_s (local.get $v)) (local.get $y0))
                (i32x4.dot_i16x8_s (i16x8.extend_high_i8x16_s (local.get $v)) (local.get $y1)))))
              (local.set $v (v128.load (i32.add (local.get $w3) (local.get $k))))
              (local.set $a3 (i32x4.add (local.get $a3) (i32x4.add
                (i32x4.dot_i16x8_s (i16x8.extend_low_i8x16_s (local.get $v)) (local.get $y0))
                (i32x4.dot_i16x8_s (i16x8.extend_high_i8x16_s (local.get $v)) (local.get $y1)))))
              (local.set $k (i32.add (local.get $k) (i32.const 16)))
              (br_if $k1 (i32.lt_u (local.get $k) (local.get $cols))))
            (call $put4
              (i32.add (i32.add (local.get $out) (i32.mul (local.get $b) (local.get $os)))
                (i32.shl (local.get $j) (i32.const 2)))
              (f32x4.add (local.get $bv)
                (f32x4.mul
                  (f32x4.mul (local.get $sv)
                    (v128.load32_splat (i32.add (local.get $xsc) (i32.shl (local.get $b) (i32.const 2)))))
                  (f32x4.convert_i32x4_s
                    (call $hsum4i (local.get $a0) (local.get $a1) (local.get $a2) (local.get $a3)))))
              (local.get $acc))))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $rows4)))
    (block $tail_done
      (loop $tail
        (br_if $tail_done (i32.ge_u (local.get $j) (local.get $rows)))
        (local.set $w0 (i32.add (local.get $w) (i32.mul (local.get $j) (local.get $cols))))
        (local.set $b (i32.const 0))
        (block $streams_done
          (loop $streams
            (br_if $streams_done (i32.ge_u (local.get $b) (local.get $batch)))
            (local.set $x0 (i32.add (local.get $q) (i32.mul (local.get $b) (local.get $qs))))
            (local.set $a0 (v128.const i32x4 0 0 0 0))
            (local.set $k (i32.const 0))
            (loop $k0
              (local.set $v (v128.load (i32.add (local.get $w0) (local.get $k))))
              (local.set $a0 (i32x4.add (local.get $a0) (i32x4.add
                (i32x4.dot_i16x8_s (i16x8.extend_low_i8x16_s (local.get $v))
                  (v128.load (i32.add (local.get $x0) (i32.shl (local.get $k) (i32.const 1)))))
                (i32x4.dot_i16x8_s (i16x8.extend_high_i8x16_s (local.get $v))
                  (v128.load offset=16 (i32.add (local.get $x0) (i32.shl (local.get $k) (i32.const 1))))))))
              (local.set $k (i32.add (local.get $k) (i32.const 16)))
              (br_if $k0 (i32.lt_u (local.get $k) (local.get $cols))))
            (call $put1
              (i32.add (i32.add (local.get $out) (i32.mul (local.get $b) (local.get $os)))
                (i32.shl (local.get $j) (i32.const 2)))
              (f32.add (f32.load (i32.add (local.get $bias) (i32.shl (local.get $j) (i32.const 2))))
                (f32.mul
                  (f32.mul (f32.load (i32.add (local.get $ws) (i32.shl (local.get $j) (i32.const 2))))
                    (f32.load (i32.add (local.get $xsc) (i32.shl (local.get $b) (i32.const 2)))))
                  (f32.convert_i32_s (call $hsumi (local.get $a0)))))
              (local.get $acc))
            (local.set $b (i32.add (local.get $b) (i32.const 1)))
            (br $streams)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $tail))))

  ;; Quantizes `batch` vectors of `n` floats (n a multiple of 16; padding zeros) to int16 with one
  ;; scale per vector: q = round(x · qmax / max|x|), scale = max|x| / qmax (0 for an all-zero vector).
  (func (export "quantize")
    (param $x i32) (param $xs i32) (param $n i32) (param $batch i32)
    (param $q i32) (param $qs i32) (param $sc i32) (param $qmax f32)
    (local $b i32) (local $k i32) (local $xb i32) (local $qb i32) (local $nb i32)
    (local $m v128) (local $mx f32) (local $inv v128)
    (local.set $nb (i32.shl (local.get $n) (i32.const 2)))
    (block $done
      (loop $streams
        (br_if $done (i32.ge_u (local.get $b) (local.get $batch)))
        (local.set $xb (i32.add (local.get $x) (i32.shl (i32.mul (local.get $b) (local.get $xs)) (i32.const 2))))
        (local.set $qb (i32.add (local.get $q) (i32.shl (i32.mul (local.get $b) (local.get $qs)) (i32.const 1))))
        (local.set $m (v128.const i32x4 0 0 0 0))
        (local.set $k (i32.const 0))
        (loop $max
          (local.set $m (f32x4.max (local.get $m) (f32x4.abs (v128.load (i32.add (local.get $xb) (local.get $k))))))
          (local.set $k (i32.add (local.get $k) (i32.const 16)))
          (br_if $max (i32.lt_u (local.get $k) (local.get $nb))))
        (local.set $mx (f32.max
          (f32.max (f32x4.extract_lane 0 (local.get $m)) (f32x4.extract_lane 1 (local.get $m)))
          (f32.max (f32x4.extract_lane 2 (local.get $m)) (f32x4.extract_lane 3 (local.get $m)))))
        (if (f32.gt (local.get $mx) (f32.const 0))
          (then
            (f32.store (i32.add (local.get $sc) (i32.shl (local.get $b) (i32.const 2)))
              (f32.div (local.get $mx) (local.get $qmax)))
            (local.set $inv (f32x4.splat (f32.div (local.get $qmax) (local.get $mx)))))
          (else
            (f32.store (i32.add (local.get $sc) (i32.shl (local.get $b) (i32.const 2))) (f32.const 0))
            (local.set $inv (v128.const i32x4 0 0 0 0))))
        (local.set $k (i32.const 0))
        (loop $convert
          (v128.store (i32.add (local.get $qb) (i32.shr_u (local.get $k) (i32.const 1)))
            (i16x8.narrow_i32x4_s
              (i32x4.trunc_sat_f32x4_s (f32x4.nearest
                (f32x4.mul (v128.load (i32.add (local.get $xb) (local.get $k))) (local.get $inv))))
              (i32x4.trunc_sat_f32x4_s (f32x4.nearest
                (f32x4.mul (v128.load offset=16 (i32.add (local.get $xb) (local.get $k))) (local.get $inv))))))
          (local.set $k (i32.add (local.get $k) (i32.const 32)))
          (br_if $convert (i32.lt_u (local.get $k) (local.get $nb))))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $streams))))

  ;; e^x for 4 lanes (Cephes expf: range reduction by ln 2, degree-6 polynomial, exponent bits),
  ;; with x clamped to [-87, 88] so 2^n stays a normal float. Relative error ≈ 1e-7.
  (func $exp (param $x v128) (result v128)
    (local $n v128) (local $r v128) (local $p v128)
    (local.set $x (f32x4.min (f32x4.max (local.get $x) (v128.const f32x4 -87 -87 -87 -87))
      (v128.const f32x4 88 88 88 88)))
    (local.set $n (f32x4.nearest (f32x4.mul (local.get $x)
      (v128.const f32x4 1.44269504088896341 1.44269504088896341 1.44269504088896341 1.44269504088896341))))
    (local.set $r (f32x4.add
      (f32x4.sub (local.get $x) (f32x4.mul (local.get $n)
        (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375)))
      (f32x4.mul (local.get $n) (v128.const f32x4 2.12194440e-4 2.12194440e-4 2.12194440e-4 2.12194440e-4))))
    (local.set $p (v128.const f32x4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r))
      (v128.const f32x4 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r))
      (v128.const f32x4 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r))
      (v128.const f32x4 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r))
      (v128.const f32x4 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r))
      (v128.const f32x4 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1)))
    (local.set $p (f32x4.add
      (f32x4.add (f32x4.mul (f32x4.mul (local.get $p) (local.get $r)) (local.get $r)) (local.get $r))
      (v128.const f32x4 1 1 1 1)))
    (f32x4.mul (local.get $p)
      (i32x4.shl
        (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $n)) (v128.const i32x4 127 127 127 127))
        (i32.const 23))))

  (func $sigmoid (param $x v128) (result v128)
    (f32x4.div (v128.const f32x4 1 1 1 1)
      (f32x4.add (v128.const f32x4 1 1 1 1) (call $exp (f32x4.neg (local.get $x))))))

  ;; A gate: σ(x), or with $hard tfjs-layers' hard sigmoid max(0, min(1, 0.2·x + 0.5)).
  (func $gate (param $x v128) (param $hard i32) (result v128)
    (if (result v128) (local.get $hard)
      (then
        (f32x4.min (v128.const f32x4 1 1 1 1)
          (f32x4.max (v128.const f32x4 0 0 0 0)
            (f32x4.add (f32x4.mul (local.get $x) (v128.const f32x4 0.2 0.2 0.2 0.2))
              (v128.const f32x4 0.5 0.5 0.5 0.5)))))
      (else (call $sigmoid (local.get $x)))))

  ;; tanh x = 2σ(2x) − 1: absolute error ≈ 1e-7 (what the logits see), saturates cleanly.
  (func $tanh (param $x v128) (result v128)
    (f32x4.sub
      (f32x4.div (v128.const f32x4 2 2 2 2)
        (f32x4.add (v128.const f32x4 1 1 1 1)
          (call $exp (f32x4.mul (local.get $x) (v128.const f32x4 -2 -2 -2 -2)))))
      (v128.const f32x4 1 1 1 1)))

  ;; LSTM update (PyTorch gate order i, f, g, o) for `batch` streams: gates `[batch, 4, hp]` at $g,
  ;; c and h `[batch, hp]`, updated in place; $hard selects the hard-sigmoid gates.
  (func (export "lstm") (param $g i32) (param $c i32) (param $h i32) (param $hp i32) (param $batch i32)
    (param $hard i32)
    (local $gb i32) (local $k i32) (local $end i32) (local $sb i32) (local $cn v128)
    (local.set $gb (i32.shl (local.get $hp) (i32.const 2)))
    (local.set $end (i32.mul (i32.shl (local.get $batch) (i32.const 2)) (local.get $hp)))
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $sb) (local.get $end)))
        (local.set $k (i32.const 0))
        (loop $lanes
          (local.set $cn (f32x4.add
            (f32x4.mul (call $gate (v128.load (i32.add (i32.add (local.get $g) (local.get $gb)) (local.get $k))) (local.get $hard))
              (v128.load (i32.add (local.get $c) (i32.add (local.get $sb) (local.get $k)))))
            (f32x4.mul (call $gate (v128.load (i32.add (local.get $g) (local.get $k))) (local.get $hard))
              (call $tanh (v128.load (i32.add (i32.add (local.get $g) (i32.shl (local.get $gb) (i32.const 1))) (local.get $k)))))))
          (v128.store (i32.add (local.get $c) (i32.add (local.get $sb) (local.get $k))) (local.get $cn))
          (v128.store (i32.add (local.get $h) (i32.add (local.get $sb) (local.get $k)))
            (f32x4.mul
              (call $gate (v128.load (i32.add (i32.add (local.get $g) (i32.mul (local.get $gb) (i32.const 3))) (local.get $k))) (local.get $hard))
              (call $tanh (local.get $cn))))
          (local.set $k (i32.add (local.get $k) (i32.const 16)))
          (br_if $lanes (i32.lt_u (local.get $k) (local.get $gb))))
        (local.set $g (i32.add (local.get $g) (i32.shl (local.get $gb) (i32.const 2))))
        (local.set $sb (i32.add (local.get $sb) (local.get $gb)))
        (br $each))))

  ;; GRU update (gate order r, z, n): input pre-activations `[batch, 3, hp]` at $gx (b_ih included),
  ;; recurrent ones at $gh (b_hh included), h `[batch, hp]` updated in place; $hard as in lstm.
  (func (export "gru") (param $gx i32) (param $gh i32) (param $h i32) (param $hp i32) (param $batch i32)
    (param $hard i32)
    (local $gb i32) (local $k i32) (local $end i32) (local $sb i32) (local $r v128) (local $z v128) (local $n v128)
    (local $p i32)
    (local.set $gb (i32.shl (local.get $hp) (i32.const 2)))
    (local.set $end (i32.mul (i32.shl (local.get $batch) (i32.const 2)) (local.get $hp)))
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $sb) (local.get $end)))
        (local.set $k (i32.const 0))
        (loop $lanes
          (local.set $r (call $gate (f32x4.add (v128.load (i32.add (local.get $gx) (local.get $k)))
            (v128.load (i32.add (local.get $gh) (local.get $k)))) (local.get $hard)))
          (local.set $p (i32.add (local.get $gb) (local.get $k)))
          (local.set $z (call $gate (f32x4.add (v128.load (i32.add (local.get $gx) (local.get $p)))
            (v128.load (i32.add (local.get $gh) (local.get $p)))) (local.get $hard)))
          (local.set $p (i32.add (local.get $p) (local.get $gb)))
          (local.set $n (call $tanh (f32x4.add (v128.load (i32.add (local.get $gx) (local.get $p)))
            (f32x4.mul (local.get $r) (v128.load (i32.add (local.get $gh) (local.get $p)))))))
          (local.set $p (i32.add (local.get $h) (i32.add (local.get $sb) (local.get $k))))
          (v128.store (local.get $p) (f32x4.add
            (f32x4.mul (f32x4.sub (v128.const f32x4 1 1 1 1) (local.get $z)) (local.get $n))
            (f32x4.mul (local.get $z) (v128.load (local.get $p)))))
          (local.set $k (i32.add (local.get $k) (i32.const 16)))
          (br_if $lanes (i32.lt_u (local.get $k) (local.get $gb))))
        (local.set $gx (i32.add (local.get $gx) (i32.mul (local.get $gb) (i32.const 3))))
        (local.set $gh (i32.add (local.get $gh) (i32.mul (local.get $gb) (i32.const 3))))
        (local.set $sb (i32.add (local.get $sb) (local.get $gb)))
        (br $each))))

  ;; Vanilla RNN update: h = tanh(g) over `n` floats (n a multiple of 4).
  (func (export "tanh") (param $g i32) (param $h i32) (param $n i32)
    (local $k i32) (local $end i32)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done
      (loop $lanes
        (br_if $done (i32.ge_u (local.get $k) (local.get $end)))
        (v128.store (i32.add (local.get $h) (local.get $k))
          (call $tanh (v128.load (i32.add (local.get $g) (local.get $k)))))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br $lanes))))
)
