/**
 * The enrolment code reader: camera frames from `getUserMedia`, turned grey here and read by the
 * Rust side (rqrr), because no web view the app runs on has a native QR detector. Pasting the
 * code always works; the camera is only a shortcut.
 */

/** Widest frame sent for decoding: enough for a QR code on a screen, small enough to be quick. */
export const MAX_FRAME_WIDTH = 640;

/** How often a frame is read while no code has been found. */
export const FRAME_INTERVAL_MS = 300;

/** How long the camera may take to start before the reader gives up. */
export const CAMERA_START_TIMEOUT_MS = 10_000;

/** Grey from RGBA, one byte per pixel (ITU-R BT.601 weights in integer maths). */
export function toLuma(rgba: Uint8ClampedArray): Uint8Array {
  const pixels = Math.floor(rgba.length / 4);
  const luma = new Uint8Array(pixels);
  for (let i = 0; i < pixels; i += 1) {
    const o = i * 4;
    luma[i] = ((rgba[o] ?? 0) * 77 + (rgba[o + 1] ?? 0) * 150 + (rgba[o + 2] ?? 0) * 29) >> 8;
  }
  return luma;
}

/** The size to read a `width` × `height` video frame at: at most `max` wide, same shape. */
export function frameSize(width: number, height: number, max = MAX_FRAME_WIDTH): { width: number; height: number } {
  if (width <= 0 || height <= 0) {
    return { width: 0, height: 0 };
  }
  const scale = Math.min(1, max / width);
  return { width: Math.round(width * scale), height: Math.round(height * scale) };
}

/** Reads one grey frame; resolves with the QR code's text, or `null` when there is none. */
export type Decode = (luma: Uint8Array, width: number, height: number) => Promise<string | null>;

/** A running reader. */
export type Scanner = { stop: () => void };

/**
 * Opens a camera (video only) with `constraints`. Rejects when the web view has no camera API,
 * the camera is refused, or it does not start within {@link CAMERA_START_TIMEOUT_MS} (WebKit can
 * leave the request hanging when there is no device).
 */
export async function openCamera(
  constraints: MediaTrackConstraints,
  media: MediaDevices | undefined = navigator.mediaDevices,
): Promise<MediaStream> {
  if (media === undefined || typeof media.getUserMedia !== 'function') {
    throw new Error('no camera API');
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('the camera did not start')), CAMERA_START_TIMEOUT_MS);
  });
  return Promise.race([media.getUserMedia({ video: constraints, audio: false }), timeout]).finally(() =>
    clearTimeout(timer),
  );
}

/**
 * Starts the back camera in `video` and reads frames until one holds a QR code, then stops the
 * camera and calls `onText`. Rejects when there is no camera or it is refused.
 */
export async function startScanner(
  video: HTMLVideoElement,
  decode: Decode,
  onText: (text: string) => void,
  media: MediaDevices | undefined = navigator.mediaDevices,
): Promise<Scanner> {
  const stream = await openCamera({ facingMode: 'environment' }, media);
  video.srcObject = stream;
  await video.play().catch(() => undefined);

  const canvas = document.createElement('canvas');
  let stopped = false;
  let busy = false;
  const stop = (): void => {
    stopped = true;
    clearInterval(interval);
    for (const track of stream.getTracks()) {
      track.stop();
    }
    video.srcObject = null;
  };
  const read = async (): Promise<void> => {
    const size = frameSize(video.videoWidth, video.videoHeight);
    if (busy || stopped || size.width === 0) {
      return;
    }
    busy = true;
    try {
      canvas.width = size.width;
      canvas.height = size.height;
      const context = canvas.getContext('2d', { willReadFrequently: true });
      if (context === null) {
        return;
      }
      context.drawImage(video, 0, 0, size.width, size.height);
      const pixels = context.getImageData(0, 0, size.width, size.height).data;
      const text = await decode(toLuma(pixels), size.width, size.height);
      if (text !== null && !stopped) {
        stop();
        onText(text);
      }
    } catch {
      // One unreadable frame is nothing; the next one is read in a moment.
    } finally {
      busy = false;
    }
  };
  const interval = setInterval(() => void read(), FRAME_INTERVAL_MS);
  return { stop };
}
