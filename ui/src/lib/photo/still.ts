/**
 * A full-resolution still from the camera, as well as the web view allows:
 *
 * 1. ImageCapture `takePhoto()` where the web view has it (Chromium-based ones; the camera
 *    takes a real photo, often larger than any video mode), at the largest size the camera's
 *    photo capabilities name.
 * 2. Otherwise one frame of the video, with the stream opened at the highest resolution the
 *    camera offers (large ideal width and height) and drawn at the track's real size (its
 *    settings), never at the size the page happens to show it.
 *
 * The photo step keeps its file import beside this; the Rust side decodes and checks either.
 */

/** How the still was taken. */
export type StillMethod = 'takePhoto' | 'frame';

/** A still: JPEG or PNG bytes (the Rust side reads their size as it decodes them). */
export type Still = { blob: Blob; method: StillMethod };

/** Larger than any tablet camera: the browser picks the mode closest to it, the largest. */
export const IDEAL_SIDE = 8192;

/** The video constraints the still camera is opened with. */
export const STILL_CONSTRAINTS: MediaTrackConstraints = {
  facingMode: 'environment',
  width: { ideal: IDEAL_SIDE },
  height: { ideal: IDEAL_SIDE },
};

/** JPEG quality of a frame grab: the checks look at detail, so little is thrown away. */
export const FRAME_QUALITY = 0.95;

/** What `takePhoto` needs of ImageCapture (https://w3c.github.io/mediacapture-image/). */
export type PhotoTaker = {
  getPhotoCapabilities?: () => Promise<{ imageWidth?: { max?: number }; imageHeight?: { max?: number } }>;
  takePhoto: (settings?: { imageWidth?: number; imageHeight?: number }) => Promise<Blob>;
};

/** The web view's parts this module uses; the tests pass their own. */
export type StillEnv = {
  /** An ImageCapture for `track`, or `null` where the web view has none. */
  imageCapture: (track: MediaStreamTrack) => PhotoTaker | null;
  /** Draws the video's current frame at `width` × `height` and encodes it as JPEG. */
  grabFrame: (video: HTMLVideoElement, width: number, height: number) => Promise<Blob>;
};

type ImageCaptureCtor = new (track: MediaStreamTrack) => PhotoTaker;

/** The real web view. */
export const browserEnv: StillEnv = {
  imageCapture: (track) => {
    const ctor = (globalThis as { ImageCapture?: ImageCaptureCtor }).ImageCapture;
    return typeof ctor === 'function' ? new ctor(track) : null;
  },
  grabFrame: async (video, width, height) => {
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    const context = canvas.getContext('2d');
    if (context === null) {
      throw new Error('no 2d canvas');
    }
    context.drawImage(video, 0, 0, width, height);
    const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/jpeg', FRAME_QUALITY));
    if (blob === null) {
      throw new Error('the frame could not be encoded');
    }
    return blob;
  },
};

/**
 * The size a frame of `track` is really delivered at: its settings, else what the video element
 * decoded. Zero when neither knows yet.
 */
export function frameSize(track: MediaStreamTrack | undefined, video: HTMLVideoElement): { width: number; height: number } {
  const settings = track?.getSettings() ?? {};
  const width = settings.width ?? 0;
  const height = settings.height ?? 0;
  if (width > 0 && height > 0) {
    return { width, height };
  }
  return { width: video.videoWidth, height: video.videoHeight };
}

/**
 * Takes a still from `stream` (shown in `video`). ImageCapture first where there is one; if it
 * is missing or fails (some web views expose it but cannot take a photo), a frame of the video
 * at the track's size. Rejects when the video has no frame yet.
 */
export async function takeStill(stream: MediaStream, video: HTMLVideoElement, env: StillEnv = browserEnv): Promise<Still> {
  const track = stream.getVideoTracks()[0];
  const taker = track === undefined ? null : env.imageCapture(track);
  if (taker !== null) {
    try {
      const caps = await taker.getPhotoCapabilities?.().catch(() => undefined);
      const widest = caps?.imageWidth?.max;
      const tallest = caps?.imageHeight?.max;
      const blob = await taker.takePhoto(
        widest !== undefined && tallest !== undefined ? { imageWidth: widest, imageHeight: tallest } : undefined,
      );
      return { blob, method: 'takePhoto' };
    } catch {
      // Fall through to the frame grab: a still from the video beats none.
    }
  }
  const size = frameSize(track, video);
  if (size.width === 0 || size.height === 0) {
    throw new Error('the camera has no picture yet');
  }
  return { blob: await env.grabFrame(video, size.width, size.height), method: 'frame' };
}
