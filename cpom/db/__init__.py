"""The application database: the projection of every contract, the notice outbox, documents."""
