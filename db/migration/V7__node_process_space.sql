-- Where a node's pid means something: the kernel's boot and the pid namespace it runs in (Linux;
-- null elsewhere). Two containers can share a host name (host networking, a fixed hostname) and
-- both run as pid 1, so host and pid alone cannot tell a live sibling from this instance's own
-- earlier incarnation; a pid can be looked up only in the process space that gave it.
alter table tempora_node add column process_space varchar(200);
