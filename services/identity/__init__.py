"""Identity: the identity service (handlers, store, service: motcua.cmd.identity.*) and the face pipeline it uses
(images, encodings, 1:N index, worker pool, sealing at rest, the live index). CCCD parsing is pure and lives in
services.domain.cccd."""
