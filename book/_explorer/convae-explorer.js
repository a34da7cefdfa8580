// convae latent explorer: the trained decoder, run in the browser with no library and no server.
// It reads explorer.json (shapes, latent ranges, PCA map), decoder.bin and vae-decoder.bin (float32
// weights of the autoencoder's and chapter 8's VAE's decoders) written by `python -m convae
// export-web`, and runs either decoder the same way, mirroring convae.models.Decoder exactly:
// Linear -> view (64, 3, 3) -> ConvTranspose2d + ReLU -> ConvTranspose2d + ReLU -> ConvTranspose2d + Sigmoid.
(function () {
  "use strict";

  // ---- the forward pass -------------------------------------------------------------------

  function linear(z, weight, bias, outFeatures) {
    // weight: (out, in) row-major, as PyTorch stores nn.Linear.weight
    const inFeatures = z.length;
    const out = new Float64Array(outFeatures);
    for (let j = 0; j < outFeatures; j++) {
      let sum = bias[j];
      for (let i = 0; i < inFeatures; i++) sum += weight[j * inFeatures + i] * z[i];
      out[j] = sum;
    }
    return out;
  }

  function convTranspose2d(input, cIn, size, layer) {
    // input: (cIn, size, size); layer.weight: (cIn, cOut, k, k), as PyTorch stores ConvTranspose2d.
    // Each input pixel adds value * kernel into the output, kernels placed `stride` pixels apart.
    const { weight, bias, cOut, kernel: k, stride: s, padding: p, outputPadding: op } = layer;
    const outSize = (size - 1) * s - 2 * p + k + op;
    const out = new Float64Array(cOut * outSize * outSize);
    for (let co = 0; co < cOut; co++) out.fill(bias[co], co * outSize * outSize, (co + 1) * outSize * outSize);
    for (let ci = 0; ci < cIn; ci++) {
      for (let iy = 0; iy < size; iy++) {
        for (let ix = 0; ix < size; ix++) {
          const value = input[(ci * size + iy) * size + ix];
          if (value === 0) continue; // after a ReLU, many inputs are exactly zero
          for (let co = 0; co < cOut; co++) {
            const kernelBase = (ci * cOut + co) * k * k;
            for (let ky = 0; ky < k; ky++) {
              const oy = iy * s - p + ky;
              if (oy < 0 || oy >= outSize) continue;
              for (let kx = 0; kx < k; kx++) {
                const ox = ix * s - p + kx;
                if (ox < 0 || ox >= outSize) continue;
                out[(co * outSize + oy) * outSize + ox] += value * weight[kernelBase + ky * k + kx];
              }
            }
          }
        }
      }
    }
    return { values: out, channels: cOut, size: outSize };
  }

  function relu(values) {
    for (let i = 0; i < values.length; i++) if (values[i] < 0) values[i] = 0;
    return values;
  }

  function makeDecoder(latentDim, weights, buffer) {
    // weights: the manifest's entry for one weights file (its name and where each tensor sits)
    const all = new Float32Array(buffer);
    const t = {};
    for (const { name, offset, length, shape } of weights.tensors) {
      if (offset + length > all.length) throw new Error(`${weights.file} is too short for ${name}`);
      t[name] = { data: all.subarray(offset, offset + length), shape };
    }
    const layer = (name, stride, padding, outputPadding) => ({
      weight: t[`${name}.weight`].data, bias: t[`${name}.bias`].data, cOut: t[`${name}.weight`].shape[1],
      kernel: t[`${name}.weight`].shape[2], stride, padding, outputPadding,
    });
    const deconv1 = layer("deconv1", 2, 1, 1); // (64, 3, 3)   -> (32, 6, 6)
    const deconv2 = layer("deconv2", 2, 1, 1); // (32, 6, 6)   -> (16, 12, 12)
    const deconv3 = layer("deconv3", 2, 0, 1); // (16, 12, 12) -> (1, 28, 28)
    const fcSize = t["fc.bias"].data.length; // 576 = 64 * 3 * 3

    return function decode(z) {
      if (z.length !== latentDim) throw new Error(`expected ${latentDim} numbers, got ${z.length}`);
      const h = linear(z, t["fc.weight"].data, t["fc.bias"].data, fcSize); // (576,) seen as (64, 3, 3)
      const a = convTranspose2d(h, 64, 3, deconv1); // (32, 6, 6)
      const b = convTranspose2d(relu(a.values), a.channels, a.size, deconv2); // (16, 12, 12)
      const c = convTranspose2d(relu(b.values), b.channels, b.size, deconv3); // (1, 28, 28)
      const image = new Float32Array(c.values.length);
      for (let i = 0; i < image.length; i++) image[i] = 1 / (1 + Math.exp(-c.values[i])); // Sigmoid
      return image;
    };
  }

  // ---- random codes -------------------------------------------------------------------------

  function mulberry32(seed) {
    // a small seeded generator of uniform numbers in [0, 1): the same samples on every visit
    return function next() {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  function standardNormal(uniform, n) {
    // n draws from N(0, 1) by the Box–Muller transform of pairs of uniform numbers
    const z = new Float64Array(n);
    for (let i = 0; i < n; i += 2) {
      const radius = Math.sqrt(-2 * Math.log(1 - uniform())), angle = 2 * Math.PI * uniform();
      z[i] = radius * Math.cos(angle);
      if (i + 1 < n) z[i + 1] = radius * Math.sin(angle);
    }
    return z;
  }

  // ---- drawing ------------------------------------------------------------------------------

  const CLASS_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                         "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]; // matplotlib's tab10

  function drawImage(canvas, image) {
    const context = canvas.getContext("2d");
    const pixels = context.createImageData(28, 28);
    for (let i = 0; i < 784; i++) {
      const grey = Math.round(255 * (1 - image[i])); // dark ink on white paper, as in the book's figures
      pixels.data.set([grey, grey, grey, 255], 4 * i);
    }
    context.putImageData(pixels, 0, 0);
  }

  function mapGeometry(manifest) {
    const xy = manifest.points.xy;
    let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
    for (let i = 0; i < xy.length; i += 2) {
      minX = Math.min(minX, xy[i]); maxX = Math.max(maxX, xy[i]);
      minY = Math.min(minY, xy[i + 1]); maxY = Math.max(maxY, xy[i + 1]);
    }
    const margin = 0.04;
    const spanX = maxX - minX, spanY = maxY - minY;
    return { minX: minX - margin * spanX, spanX: spanX * (1 + 2 * margin),
             minY: minY - margin * spanY, spanY: spanY * (1 + 2 * margin) };
  }

  // ---- the page -----------------------------------------------------------------------------

  function element(tag, attributes, parent) {
    const node = document.createElement(tag);
    Object.assign(node, attributes);
    if (parent) parent.appendChild(node);
    return node;
  }

  function buildSampler(root, latentDim, decodeVae) {
    // z ~ N(0, I), the VAE's prior, through the VAE's decoder (chapter 8)
    const panel = element("div", { className: "cx-sampler" }, root);
    element("h3", { textContent: "Sample from the VAE" }, panel);
    const canvas = element("canvas", { className: "cx-image cx-sample", width: 28, height: 28 }, panel);
    canvas.setAttribute("aria-label", "image decoded from a random code");
    const caption = element("p", { className: "cx-status" }, panel);
    const uniform = mulberry32(0); // seeded: every visit shows the same sequence of samples
    let count = 0;
    function sample() {
      const z = standardNormal(uniform, latentDim); // advances the generator: a new code each press
      drawImage(canvas, decodeVae(z));
      count += 1;
      caption.textContent = `sample ${count}: decoded from a random code z drawn from the VAE's prior, N(0, I)`;
    }
    const controls = element("div", { className: "cx-controls" }, panel);
    element("button", { type: "button", textContent: "Sample", onclick: sample }, controls);
    sample();
  }

  function buildExplorer(root, manifest, decode) {
    const dim = manifest.latent_dim;
    const { mean, basis } = manifest.pca;
    const geometry = mapGeometry(manifest);
    let z = Float64Array.from(mean);
    const ends = { A: null, B: null };

    const layout = element("div", { className: "cx-layout" }, root);
    const left = element("div", { className: "cx-panel" }, layout);
    const output = element("canvas", { className: "cx-image", width: 28, height: 28 }, left);
    output.setAttribute("aria-label", "decoded image");
    const sliderBox = element("div", { className: "cx-sliders" }, left);
    const right = element("div", { className: "cx-panel" }, layout);
    const map = element("canvas", { className: "cx-map" }, right);
    map.setAttribute("aria-label", "latent map: click or drag to decode a point");
    const legend = element("div", { className: "cx-legend" }, right);
    const controls = element("div", { className: "cx-controls" }, right);
    const status = element("p", { className: "cx-status" }, right);

    manifest.classes.forEach((name, label) => {
      const item = element("span", { className: "cx-legend-item" }, legend);
      element("span", { className: "cx-swatch" }, item).style.background = CLASS_COLOURS[label % 10];
      item.appendChild(document.createTextNode(name));
    });

    const sliders = manifest.ranges.map(([low, high], i) => {
      const row = element("label", { className: "cx-slider" }, sliderBox);
      element("span", { textContent: `z[${i}]` }, row);
      const input = element("input", { type: "range", min: low, max: high, step: (high - low) / 200 }, row);
      const readout = element("span", { className: "cx-readout" }, row);
      input.addEventListener("input", () => { z[i] = Number(input.value); update(false); });
      return { input, readout };
    });

    function toPlane(code) {
      const x = [0, 0];
      for (let d = 0; d < dim; d++) for (let r = 0; r < 2; r++) x[r] += (code[d] - mean[d]) * basis[r][d];
      return x;
    }

    function fromPlane(x, y) {
      const code = new Float64Array(dim);
      for (let d = 0; d < dim; d++) code[d] = mean[d] + x * basis[0][d] + y * basis[1][d];
      return code;
    }

    function drawMap() {
      const ratio = window.devicePixelRatio || 1;
      const width = map.clientWidth || 320;
      map.width = Math.round(width * ratio);
      map.height = Math.round(width * ratio);
      const context = map.getContext("2d");
      context.setTransform(ratio, 0, 0, ratio, 0, 0);
      context.clearRect(0, 0, width, width);
      const xy = manifest.points.xy, labels = manifest.points.labels;
      const toPixel = (x, y) => [((x - geometry.minX) / geometry.spanX) * width,
                                 (1 - (y - geometry.minY) / geometry.spanY) * width];
      context.globalAlpha = 0.55;
      for (let i = 0; i < labels.length; i++) {
        const [px, py] = toPixel(xy[2 * i], xy[2 * i + 1]);
        context.fillStyle = CLASS_COLOURS[labels[i] % 10];
        context.fillRect(px - 1.5, py - 1.5, 3, 3);
      }
      context.globalAlpha = 1;
      const marker = (code, colour, text) => {
        const [px, py] = toPixel(...toPlane(code));
        context.strokeStyle = colour; context.lineWidth = 2.5;
        context.beginPath(); context.arc(px, py, 7, 0, 2 * Math.PI); context.stroke();
        if (text) { context.fillStyle = colour; context.font = "bold 13px sans-serif"; context.fillText(text, px + 9, py - 9); }
      };
      if (ends.A) marker(ends.A, "#000", "A");
      if (ends.B) marker(ends.B, "#000", "B");
      marker(z, "#d00", "");
    }

    function update(moveSliders) {
      const started = performance.now();
      drawImage(output, decode(z));
      const elapsed = performance.now() - started;
      sliders.forEach(({ input, readout }, i) => {
        if (moveSliders) input.value = z[i]; // the browser clamps the knob to its range
        readout.textContent = z[i].toFixed(2);
      });
      drawMap();
      status.textContent = `decoded in ${elapsed.toFixed(1)} ms`;
    }

    function decodeAtPointer(event) {
      const box = map.getBoundingClientRect();
      const x = geometry.minX + ((event.clientX - box.left) / box.width) * geometry.spanX;
      const y = geometry.minY + (1 - (event.clientY - box.top) / box.height) * geometry.spanY;
      z = fromPlane(x, y);
      update(true);
    }
    let dragging = false;
    map.addEventListener("pointerdown", (event) => { dragging = true; map.setPointerCapture(event.pointerId); decodeAtPointer(event); });
    map.addEventListener("pointermove", (event) => { if (dragging) decodeAtPointer(event); });
    map.addEventListener("pointerup", () => { dragging = false; });

    const button = (text, action) => element("button", { type: "button", textContent: text, onclick: action }, controls);
    button("Set A", () => { ends.A = Float64Array.from(z); drawMap(); });
    button("Set B", () => { ends.B = Float64Array.from(z); drawMap(); });
    button("Animate A → B", () => {
      if (!ends.A || !ends.B) { status.textContent = "Pick a point, press Set A; pick another, press Set B."; return; }
      const started = performance.now(), duration = 2000;
      const step = (now) => {
        const t = Math.min(1, (now - started) / duration);
        z = ends.A.map((a, d) => a + t * (ends.B[d] - a));
        update(true);
        if (t < 1) requestAnimationFrame(step);
      };
      requestAnimationFrame(step);
    });
    button("Reset", () => { z = Float64Array.from(mean); update(true); });
    window.addEventListener("resize", drawMap);
    update(true);
  }

  async function start(root) {
    const base = root.dataset.assets;
    const manifest = await (await fetch(`${base}/explorer.json`)).json();
    if (manifest.format !== "convae-explorer/1") throw new Error(`unknown explorer format ${manifest.format}`);
    const weights = async (entry) => (await fetch(`${base}/${entry.file}`)).arrayBuffer();
    const decode = makeDecoder(manifest.latent_dim, manifest.weights, await weights(manifest.weights));
    const vae = manifest.vae;
    const decodeVae = makeDecoder(vae.latent_dim, vae.weights, await weights(vae.weights));
    buildExplorer(root, manifest, decode);
    buildSampler(root, vae.latent_dim, decodeVae);
    return { decode: (z) => Array.from(decode(z)), decodeVae: (z) => Array.from(decodeVae(z)), manifest };
  }

  const root = document.getElementById("convae-explorer");
  if (root) {
    window.convaeExplorer = start(root).catch((error) => {
      root.textContent = `The explorer could not start: ${error.message}`;
      throw error;
    });
  }
})();
