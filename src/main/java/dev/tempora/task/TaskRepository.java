package dev.tempora.task;

import java.util.Optional;
import java.util.UUID;
import org.springframework.data.jpa.repository.JpaRepository;

interface TaskRepository extends JpaRepository<Task, UUID> {

    /**
     * The task of {@code id}, by a query. Not {@link #findById}: Hibernate's {@code find} on
     * PostgreSQL swallows a statement that fails (its transaction is then only good for a rollback)
     * and returns null, so a read whose session the server ended (an administrator, a failover, an
     * idle-session timeout) looked like a task that does not exist, and then failed its commit
     * with nothing left to say why: a 500. A query throws the statement's own error, which says
     * the database is out of reach: a 503.
     */
    Optional<Task> findOneById(UUID id);
}
