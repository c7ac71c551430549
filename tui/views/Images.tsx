// The Images view: a table of the images corrald holds (short name and how
// many more names, image id, size, age, how many containers use it, or what
// runs for the row, such as "removing"), a title line that carries a pull
// still running after its dialog was closed, and the detail pane of the
// selected image: its names, digest, platform, the config a container made
// from it starts with (entrypoint, cmd, env, workdir, user, labels), its
// layers and the containers made from it. Stale data is dimmed by the caller.
import React from 'react';
import { Box, Text } from 'ink';
import { age, bytes, dateTime, fit, joinArgs } from '../format.js';
import { UNTAGGED, imageId, type ImageRow } from '../image-listing.js';
import type { ImageRows } from '../store/image-changes.js';
import type { PullView } from '../store/pull.js';
import { Field } from './Detail.js';

interface Columns {
  name: number;
  id: number;
  size: number;
  age: number;
  used: number;
}

function columns(width: number): Columns {
  const fixed = { id: 12, size: 7, age: 7, used: 4 };
  return { name: Math.max(10, width - 2 - fixed.id - fixed.size - fixed.age - fixed.used - 4 - 1), ...fixed };
}

/** "copying 1/2 layers, 1.2M of 3.4M" */
export function pullProgressText(p: PullView): string {
  const g = p.progress;
  if (!g) return 'asking the registry…';
  const layers = g.layersTotal ? ` ${g.layersDone}/${g.layersTotal} layers` : '';
  const size = g.bytesTotal ? `, ${bytes(g.bytesDone)} of ${bytes(g.bytesTotal)}` : '';
  return `${g.phase}${layers}${size}`;
}

export interface ImagesTableProps {
  rows: ImageRow[];
  selected: string | null;
  top: number;
  height: number;
  width: number;
  now: number;
  activity: ImageRows;
  dim: boolean;
  empty: string;
}

export function ImagesTable(props: ImagesTableProps) {
  const c = columns(props.width);
  const shown = props.rows.slice(props.top, props.top + props.height);
  return (
    <Box flexDirection="column" height={props.height + 1}>
      <Text bold wrap="truncate">
        {'  '}
        {fit('NAME', c.name)} {fit('IMAGE ID', c.id)} {fit('SIZE', c.size, 'right')} {fit('CREATED', c.age, 'right')} {fit('USED', c.used, 'right')}
      </Text>
      {shown.length === 0 ? (
        <Text dimColor wrap="wrap">
          {'  '}
          {props.empty}
        </Text>
      ) : null}
      {shown.map((r) => {
        const selected = r.digest === props.selected;
        const pending = props.activity[r.digest];
        return (
          <Text key={r.digest} wrap="truncate" inverse={selected && !props.dim} dimColor={props.dim}>
            {selected ? '▸ ' : '  '}
            <Text dimColor={r.name === UNTAGGED}>{fit(r.name + (r.more ? ` (+${r.more})` : ''), c.name)}</Text> {fit(r.id, c.id)}{' '}
            {pending ? (
              <Text color="magenta">{fit(`… ${pending}`, c.size + c.age + c.used + 2)}</Text>
            ) : (
              <Text>
                {fit(bytes(r.size), c.size, 'right')} {fit(age(r.created, props.now), c.age, 'right')} {fit(String(r.users.length), c.used, 'right')}
              </Text>
            )}
          </Text>
        );
      })}
    </Box>
  );
}

const list = (xs: string[] | undefined) => (xs?.length ? joinArgs(xs) : '-');

/** The rows of the detail pane, drawn top to bottom as long as they fit. */
export function ImageDetail({ row, height }: { row: ImageRow; height: number }) {
  const { image } = row;
  const cfg = image.config;
  const labels = Object.entries(cfg.labels ?? {});
  const lines: React.ReactNode[] = [
    <Field key="names" name="names">{image.names.length ? image.names.join('  ') : UNTAGGED}</Field>,
    <Field key="digest" name="digest">{image.digest}</Field>,
    <Field key="size" name="size">
      {bytes(image.size)} in {image.layers.length} layer{image.layers.length === 1 ? '' : 's'}
      {image.os || image.architecture ? `  ${[image.os, image.architecture].filter(Boolean).join('/')}` : ''}
    </Field>,
    <Field key="created" name="created">
      {dateTime(image.created)}  (here since {dateTime(image.addedAt)})
    </Field>,
    <Field key="entrypoint" name="entrypoint">{list(cfg.entrypoint)}</Field>,
    <Field key="cmd" name="cmd">{list(cfg.cmd)}</Field>,
    <Field key="workdir" name="workdir">{cfg.workdir || '-'}</Field>,
    <Field key="user" name="user">{cfg.user || '-'}</Field>,
    <Field key="used" name="used by">{row.users.length ? row.users.join('  ') : 'no container'}</Field>,
    <Field key="labels" name="labels">{labels.length ? labels.map(([k, v]) => `${k}=${v}`).join('  ') : '-'}</Field>,
    ...(cfg.env?.length ? cfg.env : ['-']).map((e, i) => (
      <Field key={`env${i}`} name={i === 0 ? 'env' : ''}>
        {e}
      </Field>
    )),
    ...image.layers.map((l, i) => (
      <Field key={`layer${i}`} name={i === 0 ? 'layers' : ''}>
        {imageId(l.digest)} {fit(bytes(l.size), 6, 'right')} {l.mediaType.replace(/^application\/vnd\.(oci\.image|docker\.image\.rootfs)\./, '')}
      </Field>
    )),
  ];
  return (
    <Box flexDirection="column" height={height + 1} overflow="hidden">
      <Text bold wrap="truncate">
        image {row.name} ({row.id})
      </Text>
      {lines.slice(0, height)}
    </Box>
  );
}
