// Minimal PNG decoder for Chromium screenshots (8-bit RGB/RGBA, not interlaced) and the
// luminance statistics the tests assert on. Pure JS + node:zlib, no dependency.
import { inflateSync } from "node:zlib";

export function decodePng(buf) {
  if (buf.readUInt32BE(0) !== 0x89504e47) throw new Error("not a PNG");
  let pos = 8;
  let width = 0, height = 0, channels = 0;
  const idat = [];
  while (pos < buf.length) {
    const len = buf.readUInt32BE(pos);
    const type = buf.toString("latin1", pos + 4, pos + 8);
    const data = buf.subarray(pos + 8, pos + 8 + len);
    if (type === "IHDR") {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const depth = data[8], color = data[9], interlace = data[12];
      if (depth !== 8 || interlace !== 0 || (color !== 2 && color !== 6)) throw new Error(`unsupported PNG (depth ${depth} color ${color} interlace ${interlace})`);
      channels = color === 6 ? 4 : 3;
    } else if (type === "IDAT") idat.push(data);
    else if (type === "IEND") break;
    pos += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const out = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? out[y * stride + x - channels] : 0;
      const b = y > 0 ? out[(y - 1) * stride + x] : 0;
      const c = x >= channels && y > 0 ? out[(y - 1) * stride + x - channels] : 0;
      let v = line[x];
      if (filter === 1) v += a;
      else if (filter === 2) v += b;
      else if (filter === 3) v += (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      out[y * stride + x] = v & 0xff;
    }
  }
  return { width, height, channels, pixels: out };
}

// Mean and standard deviation of luminance: a black or flat frame has mean ~0 or stddev ~0.
export function lumaStats(png) {
  const { pixels, channels } = png;
  let sum = 0, sq = 0, n = 0;
  for (let i = 0; i < pixels.length; i += channels) {
    const l = 0.299 * pixels[i] + 0.587 * pixels[i + 1] + 0.114 * pixels[i + 2];
    sum += l;
    sq += l * l;
    n++;
  }
  const mean = n ? sum / n : 0;
  return { mean, stddev: Math.sqrt(Math.max(0, sq / Math.max(1, n) - mean * mean)), width: png.width, height: png.height };
}

// Mean absolute luminance difference between two same-sized decoded PNGs: > 0 means motion.
export function lumaDiff(a, b) {
  if (a.width !== b.width || a.height !== b.height) return 255;
  let sum = 0, n = 0;
  const luma = (p, i) => 0.299 * p.pixels[i] + 0.587 * p.pixels[i + 1] + 0.114 * p.pixels[i + 2];
  for (let i = 0, j = 0; i < a.pixels.length; i += a.channels, j += b.channels, n++) sum += Math.abs(luma(a, i) - luma(b, j));
  return n ? sum / n : 0;
}
