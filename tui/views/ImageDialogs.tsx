// The Images view's dialogs, drawn like the containers' ones below the list:
// the pull prompt (a ref and the insecure toggle), the pull's progress (a
// bar over the bytes, or the layers while the sizes are not known, the
// phase, then the image it got or the daemon's error in full, wrapped: its
// message says what to do), and the confirmations of remove (naming the
// containers force deletes with the image, or the refusal in full) and prune. Glyphs mark the
// focused field and the bar, so they show without colour too.
import React from 'react';
import { Text } from 'ink';
import type { ImageDialog } from '../image-dialogs.js';
import { imageId } from '../image-listing.js';
import { bytes } from '../format.js';
import type { PullView } from '../store/pull.js';
import { FRAME_ROWS, FormField, FormFooter, FormToggle, Frame } from './Frame.js';
import { pullProgressText } from './Images.js';

/** A bar of `width` cells, `done` of `total` filled. */
function progressBar(done: number, total: number, width: number): string {
  const w = Math.max(1, width);
  const filled = total > 0 ? Math.min(w, Math.round((done / total) * w)) : 0;
  return '█'.repeat(filled) + '░'.repeat(w - filled);
}

function PullProgress({ pull, width, height }: { pull: PullView | null; width: number; height: number }) {
  if (!pull) {
    return (
      <Frame title="pull" width={width} color="red">
        <Text>not started</Text>
        <Text dimColor>Esc closes</Text>
      </Frame>
    );
  }
  const g = pull.progress;
  // bytes tell the most; while the manifest is not read only layers (or nothing) are known
  const [done, total] = g && g.bytesTotal ? [g.bytesDone, g.bytesTotal] : g ? [g.layersDone, g.layersTotal] : [0, 0];
  const barW = Math.max(10, Math.min(width, 100) - 4 - 6);
  const pct = total ? `${String(Math.floor((done / total) * 100)).padStart(3)}%` : '   …';
  const color = pull.state === 'failed' ? 'red' : pull.state === 'done' ? 'green' : 'cyan';
  const seconds = pull.durationMs !== undefined ? ` in ${(pull.durationMs / 1000).toFixed(1)}s` : '';
  return (
    <Frame title={`pull ${pull.name}`} width={width} color={color}>
      {pull.state !== 'failed' ? (
        <Text wrap="truncate">
          {progressBar(pull.state === 'done' ? 1 : done, pull.state === 'done' ? 1 : total, barW)} {pull.state === 'done' ? ' 100%' : pct}
        </Text>
      ) : null}
      {pull.state === 'pulling' ? <Text wrap="truncate">{pullProgressText(pull)}</Text> : null}
      {pull.state === 'done' && pull.image ? (
        <Text wrap="truncate" color="green">
          pulled{seconds}: {imageId(pull.image.digest)}, {bytes(pull.image.size)} in {pull.image.layers.length} layers
        </Text>
      ) : null}
      {pull.state === 'failed' ? (
        <Text color="red" wrap="wrap">
          {`failed${seconds}: ${pull.error ?? ''}`.slice(0, Math.max(40, (height - FRAME_ROWS - 1) * (Math.min(width, 100) - 4)))}
        </Text>
      ) : null}
      <Text dimColor wrap="truncate">
        {pull.state === 'pulling' ? 'Esc hides this; the pull goes on (its progress shows in the Images title)' : 'Esc closes'}
      </Text>
    </Frame>
  );
}

export function ImageDialogView({ dialog, width, height, pull }: { dialog: ImageDialog; width: number; height: number; pull: PullView | null }) {
  switch (dialog.kind) {
    case 'pull':
      return (
        <Frame title="pull an image" width={width}>
          <FormField focused={dialog.field === 0} label="ref:     " value={dialog.ref} />
          <FormToggle focused={dialog.field === 1} label="insecure:" on={dialog.insecure} note="plain HTTP or an unverified certificate (Space toggles)" />
          <FormFooter error={dialog.error} room={height >= FRAME_ROWS + 4} hint="e.g. debian:12, 127.0.0.1:5000/team/app:1 · Tab next · Enter pulls · Esc cancels" />
        </Frame>
      );
    case 'pulling':
      return <PullProgress pull={pull} width={width} height={height} />;
    case 'removeImage':
      return dialog.force ? (
        <Frame title={`remove ${dialog.label}: containers use it`} width={width} color="red">
          <Text wrap="wrap">
            {dialog.force.containers.length === 1 ? 'Container' : 'Containers'} {dialog.force.containers.join(', ')} will be deleted with it.
          </Text>
          <Text>
            <Text bold>y</Text> deletes {dialog.force.containers.length === 1 ? 'it' : 'them'} and removes the image · Enter, Esc or any other key cancels
          </Text>
        </Frame>
      ) : (
        <Frame title={`remove image ${dialog.label}?`} width={width} color="red">
          <Text wrap="truncate">{dialog.names.length > 1 ? `all its names go: ${dialog.names.join(', ')}` : `its unpacked tree goes; prune frees its blobs`}</Text>
          <Text>
            <Text bold>y</Text> removes it · Enter, Esc or any other key cancels
          </Text>
        </Frame>
      );
    case 'imageRefused':
      return (
        <Frame title={dialog.title} width={width} color="red">
          <Text color="red" wrap="wrap">
            {dialog.message}
          </Text>
          <Text dimColor>any key closes</Text>
        </Frame>
      );
    case 'prune':
      return (
        <Frame title="prune the image store?" width={width} color="red">
          <Text wrap="truncate">removes unpacked trees and blobs that no image holds, and untagged images no container uses</Text>
          <Text>
            <Text bold>y</Text> prunes · Enter, Esc or any other key cancels
          </Text>
        </Frame>
      );
  }
}
